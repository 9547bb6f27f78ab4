// Package routing queues handed-off conversations by department and priority
// and assigns them to caseworkers. It stands after the bot in the flow: it
// consumes handoff, transfer, close and agent-presence events from CD_EVENTS,
// keeps the queues and agent loads in memory (rebuilt from the store at
// start), writes each decision to the store and announces it as a
// conversation.queued or conversation.assigned event.
//
// This first engine assigns directly, first in first out within a priority,
// to an available agent of the department with the lightest load below its
// capacity, and re-queues an agent's conversations when it goes offline.
package routing
