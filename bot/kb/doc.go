// Package kb is the agency's knowledge base: Markdown articles per department
// and language, indexed with BM25. The bot asks it for an answer to a
// citizen's question before handing the conversation to a person, and only
// answers when an article scores above a threshold, citing its title and link. A Holder lets the
// server swap in a rebuilt index when articles change, without a restart.
package kb
