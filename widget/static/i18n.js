// The widget's words. English is here; every other language is a module
// of its own in i18n/, loaded only for those who choose it. Keys are EN's;
// {x} is filled in.
export const EN = {
  agency: "City services",
  launcher: 'Chat with us',
  region: 'Chat',
  subtitle: 'Online chat',
  close: 'Close chat',
  end: 'End chat',
  language: 'Language',
  disclosure: 'The first replies come from an automated assistant. Ask for a person at any time.',
  greeting: 'Hello! How can we help you today?',
  message: 'Message',
  log: 'Conversation',
  placeholder: 'Write your message…',
  send: 'Send',
  you: 'You',
  bot: 'Automated assistant',
  agent: 'Caseworker',
  system: 'Notice',
  sending: 'Sending…',
  waitingNet: 'Not sent yet. It will be sent when the connection is back.',
  failed: 'Not sent: {reason}',
  reconnecting: 'Connection lost. Reconnecting…',
  waiting: 'Waiting for a caseworker…',
  position: 'You are number {n} in line.',
  wait: 'Estimated wait: about {m} min.',
  waitShort: 'Estimated wait: less than a minute.',
  assigned: 'A caseworker has joined the conversation.',
  assignedName: "You are now chatting with {name}.",
  typing: '{name} is typing…',
  closed: 'This conversation has ended. Write again to start a new one.',
  newMessage: 'New message',
  newFrom: 'New message from {name}',
  rateTitle: 'How was this conversation?',
  rate1: 'Very poor', rate2: 'Poor', rate3: 'Okay', rate4: 'Good', rate5: 'Very good',
  comment: 'Comment (optional)',
  sendRating: 'Send rating',
  thanks: 'Thank you for your feedback.',
  tooLong: 'Your message is too long (at most 4,000 characters).',
  noOne: "No caseworker is available right now.",
  closedNow: "The office is closed right now.",
  orLeave: "The assistant can still help, or you can leave a message.",
  opens: "Caseworkers are back {when}.",
  leave: "Leave a message",
  leaveIntro: "A caseworker will answer by email or text message.",
  email: "Email",
  phone: "Phone (for a text message)",
  needContact: "Enter an email address or a phone number for the answer.",
  badEmail: "Enter an email address such as name@example.com.",
  badPhone: "Enter a phone number such as +1 555 123 4567.",
  needText: "Write your message.",
  cancel: "Cancel",
  left: "Thank you. We have your message and will answer you at {to}.",
  transcript: "Email me a transcript of this conversation",
  transcriptSent: "A transcript is on its way to {to}.",
  needScore: "Choose a rating from 1 to 5."
};

// Each language in its own words, for the language menu.
export const LANGS = {
  en: "English",
  es: "Español",
  fr: "Français",
  vi: "Tiếng Việt",
  zh: "中文",
  ar: "العربية",
  ht: "Kreyòl ayisyen",
  tl: "Tagalog"
};

export const RTL = new Set(['ar']);

// pick returns the first supported language of the candidates, else 'en'.
export function pick(candidates) {
  for (const c of candidates) {
    if (!c) continue;
    const p = String(c).toLowerCase().split(/[-_]/)[0];
    if (LANGS[p]) return p;
  }
  return 'en';
}

// load returns the words of language l.
export async function load(l) {
  return l === 'en' ? EN : (await import(`./i18n/${l}.js`)).default;
}
