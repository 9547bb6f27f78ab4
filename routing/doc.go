// Package routing queues handed-off conversations and gives them to
// caseworkers. It stands after the bot in the flow: it consumes handoff,
// transfer (accept, decline, assign, move), close and agent-presence events
// from CD_EVENTS, and announces what it decides as conversation.queued,
// .assigned, .offered, .offer_ended and .escalated events, agent.status
// events (a caseworker set away) and system messages to citizens (office
// closed).
//
// Engine is the pure part: state and events in, decisions out, with an
// injectable clock and no I/O, so it is deterministic and tested with
// property tests over random event sequences. It implements
//   - eligibility: department (or a department the conversation was widened
//     to), language (an agent without languages speaks English only),
//     status available, not disabled, a caseworker, and room: capacity per
//     agent (default 5) with channel weights (webchat 1, sms 0.5, email 0.25);
//   - priority with aging: the queue key is queuedAt − priority × AgingStep,
//     so emergencies go first, waiting raises priority, nothing starves,
//     and equal priorities are served first come, first served;
//   - strategies per department: longest idle (default), least busy, round
//     robin, manual (caseworkers pick with accept);
//   - direct assignment (default) or offers with an accept timeout; a
//     declined or missed offer goes to the next caseworker, and after
//     MaxMissedOffers missed in a row the caseworker is set away and told why;
//   - escalation steps per department (widen to other departments, drop the
//     language requirement and flag that an interpreter is needed);
//   - opening hours per department, with time zone and holidays: the citizen
//     is told when the office opens and the conversation is routed then;
//   - presence: the conversations of a caseworker away or offline longer
//     than a grace period are re-queued (keeping their place) and reassigned;
//     a returning citizen goes back to its last caseworker (sticky), waiting
//     a little for them when they are busy;
//   - queue positions and wait estimates (position × average handle time ÷
//     available slots, handle time an exponentially weighted average);
//   - a decision record (rule, candidates and why) on every assignment,
//     offer, re-queue and escalation, stored on the conversation.
//
// Router is the runner: it rebuilds the engine from the store at start (no
// conversation is left unrouted), feeds it events and a clock tick, and
// carries out its decisions, store first, then events. One router owns
// routing at a time across replicas: it holds the "routing" lease of the
// bus (a NATS key-value entry with a TTL); another replica waits for it and,
// when it lapses, takes over from the store and re-announces the recent
// assignments the old owner may not have announced.
//
// Configuration is Config: defaults, per-department settings and knobs;
// DemoConfig is the demo's (direct, longest idle, always open). LoadConfig
// reads and checks a YAML file; Config.WithDepartments lays an admin's
// per-department settings over it with the same checks. Router.SetConfig
// puts a new configuration in force without a restart: the engine stays
// pure (configuration in, decisions out) and is rebuilt from the store
// under the new configuration, as at a takeover, so waiting conversations
// keep their place and those of an office that just opened are routed.
package routing
