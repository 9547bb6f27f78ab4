// Package local is the triage bot's no-network triager: for each citizen
// message it decides the department, the urgency, the language, whether the
// citizen asks for a person, a confidence, a one-line summary and the
// reasons behind each of these, without sending the citizen's words
// anywhere.
//
// Where it stands in the flow: while a conversation is in the bot state,
// package bot calls Triager.Triage for every citizen message it reads from
// the inbound stream (after redacting PII). The triage decides whether the
// bot answers from the knowledge base, asks a clarifying question or hands
// the conversation to the routing engine, which queues it by department,
// language and urgency. An emergency or a request for a person hands off at
// once. bot/llm falls back to this triager when the model is slow, down or
// answers nonsense, and agencies that cannot send citizens' words to a
// cloud model use it alone.
//
// How it decides:
//
//   - Department: a multinomial logistic regression (averaged SGD) over
//     word unigrams and bigrams and character 3- to 5-grams of the
//     lowercased, accent-folded text, weighted by inverse document
//     frequency. Character n-grams carry it across misspellings, SMS
//     abbreviations and scripts; consecutive Han characters make the
//     bigrams that stand for Chinese words. Greetings and requests for a
//     person are left out, and a message of nothing else goes to general.
//   - Urgency: rules over multilingual lexicons (lexicon.go) name the
//     dangers to life (violence, suicide, medical emergencies, fire, gas,
//     live wires, collapse, flooding, cold with an infant, a family on the
//     street tonight, a child in danger) and the deadlines (eviction,
//     shut-off, tax sale, "expires Friday"). Where no emergency rule fires,
//     a second logistic regression, which also reads which lexicon and
//     concept groups (concepts.go) matched, may still call an emergency
//     worded in a way no rule foresaw, if the text names some danger.
//   - Wanting a person: lexicon rules in every language ("agent",
//     "representative", "quiero hablar con una persona", "parler à
//     quelqu'un", "转人工", …).
//   - Language (en, es, fr, vi, zh, ar, ht, tl): script decides Chinese and
//     Arabic, Vietnamese's own letters decide Vietnamese, and otherwise a
//     naive Bayes over character 1- to 4-grams and words; short texts go by
//     their marker words and are English when none says otherwise.
//
// The models train at start-up (New) in a fraction of a second on the
// embedded training set: messages written for this package in the eight
// languages (training/<lang>.jsonl: SMS, webchat and email, with
// department, urgency, language and wants-a-person labels) and the
// project's development set (training/dev.jsonl, a copy of
// ../shared/triage/dev.jsonl). Evaluate and CrossValidate measure a
// triager on labelled messages; the package's tests assert the targets on
// five-fold cross-validation over the development set, with the package's
// own messages always in training.
package local
