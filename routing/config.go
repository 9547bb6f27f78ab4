package routing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"

	"go.yaml.in/yaml/v3"
)

// Strategy chooses among the eligible caseworkers of a department.
type Strategy string

// The strategies.
const (
	// LongestIdle gives work to the caseworker who has had none the
	// longest: first those holding no conversation, by how long they have
	// been idle, then the others by how long ago they last got one.
	LongestIdle Strategy = "longest_idle"
	// LeastBusy gives work to the caseworker with the smallest share of
	// their capacity in use, longest idle among equals.
	LeastBusy Strategy = "least_busy"
	// RoundRobin takes turns: the caseworker of the department who was
	// picked there least recently.
	RoundRobin Strategy = "round_robin"
	// Manual never assigns: caseworkers pick from the queue (accept).
	Manual Strategy = "manual"
)

// Mode says whether a chosen caseworker gets the conversation at once or is
// offered it and must accept.
type Mode string

// The modes.
const (
	Direct Mode = "direct"
	Offer  Mode = "offer"
)

// EscalationStep is one step of a department's escalation workflow, taken
// when a conversation has waited After since it became routable (queued,
// and the office open) and is still unassigned.
type EscalationStep struct {
	After time.Duration `json:"after" yaml:"after"`
	// Widen adds departments whose caseworkers may also take it (the
	// conversation stays in its own department's queue too).
	Widen []string `json:"widen,omitempty" yaml:"widen,omitempty"`
	// DropLanguage lets caseworkers who do not speak the citizen's
	// language take it, and flags that an interpreter is needed.
	DropLanguage bool `json:"dropLanguage,omitempty" yaml:"dropLanguage,omitempty"`
}

// Span is a stretch of opening hours within a day, "09:00" to "17:30";
// To may be "24:00".
type Span struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// Hours are a department's opening hours.
type Hours struct {
	// TimeZone is an IANA name such as "America/New_York"; "" is UTC.
	TimeZone string `json:"timeZone" yaml:"timeZone"`
	// Week holds the opening spans of each day, indexed by time.Weekday
	// (Sunday is 0). A day without spans is closed.
	Week [7][]Span `json:"week" yaml:"week"`
	// Holidays are closed dates, "2026-12-25", in TimeZone.
	Holidays []string `json:"holidays,omitempty" yaml:"holidays,omitempty"`
}

// Department is the routing configuration of one department.
type Department struct {
	Strategy Strategy `json:"strategy,omitempty" yaml:"strategy,omitempty"`
	Mode     Mode     `json:"mode,omitempty" yaml:"mode,omitempty"`
	// OfferTimeout is how long a caseworker has to accept an offer.
	OfferTimeout time.Duration `json:"offerTimeout,omitempty" yaml:"offerTimeout,omitempty"`
	// Escalation steps, by After. nil takes Config.Default's; an empty
	// non-nil slice means no escalation.
	Escalation []EscalationStep `json:"escalation,omitempty" yaml:"escalation,omitempty"`
	// Hours: nil takes Config.Default's; nil there means always open.
	Hours *Hours `json:"hours,omitempty" yaml:"hours,omitempty"`
	// ServiceLevelTarget and ServiceLevelGoal: the goal is that this share
	// of conversations is answered within the target (80% in 60 s).
	ServiceLevelTarget time.Duration `json:"serviceLevelTarget,omitempty" yaml:"serviceLevelTarget,omitempty"`
	ServiceLevelGoal   float64       `json:"serviceLevelGoal,omitempty" yaml:"serviceLevelGoal,omitempty"`
}

// Config of routing: defaults, per-department settings and the engine's
// knobs. Zero values take the documented defaults; a negative duration
// switches the feature off where that makes sense.
type Config struct {
	// Default is every department's configuration unless Departments
	// holds one; zero fields of a department take Default's.
	Default     Department            `json:"default" yaml:"default"`
	Departments map[string]Department `json:"departments,omitempty" yaml:"departments,omitempty"`
	// Fallback is the department of conversations that name none.
	Fallback string `json:"fallback,omitempty" yaml:"fallback,omitempty"`

	// Capacity is how much work a caseworker holds at once, in webchat
	// conversations (default 5); AgentCapacity overrides it per agent id.
	Capacity      int            `json:"capacity,omitempty" yaml:"capacity,omitempty"`
	AgentCapacity map[string]int `json:"agentCapacity,omitempty" yaml:"agentCapacity,omitempty"`
	// Weights of a conversation against capacity, by channel (default
	// webchat 1, sms 0.5, email 0.25).
	Weights map[civicdesk.Channel]float64 `json:"weights,omitempty" yaml:"weights,omitempty"`

	// AgingStep is the wait that is worth one point of priority (default
	// 10 s): an emergency (100) is served before a normal conversation (10)
	// that waited less than 90 steps longer, and after that the normal one
	// goes first, so nothing starves.
	AgingStep time.Duration `json:"agingStep,omitempty" yaml:"agingStep,omitempty"`

	// MaxMissedOffers in a row (timed out) set a caseworker away (default 3).
	MaxMissedOffers int `json:"maxMissedOffers,omitempty" yaml:"maxMissedOffers,omitempty"`
	// ExcludeFor is how long a caseworker who declined or missed an offer
	// is not offered the same conversation again (default 2 min).
	ExcludeFor time.Duration `json:"excludeFor,omitempty" yaml:"excludeFor,omitempty"`

	// AwayGrace and OfflineGrace: a caseworker away or offline this long
	// has their conversations re-queued (default 20 s; negative: never).
	AwayGrace    time.Duration `json:"awayGrace,omitempty" yaml:"awayGrace,omitempty"`
	OfflineGrace time.Duration `json:"offlineGrace,omitempty" yaml:"offlineGrace,omitempty"`

	// StickyWithin: a citizen whose last conversation closed this recently
	// prefers its caseworker (default 7 days; negative: off). StickyWait is
	// how long a new conversation waits for that caseworker while they are
	// available but full (default 30 s; negative: not at all).
	StickyWithin time.Duration `json:"stickyWithin,omitempty" yaml:"stickyWithin,omitempty"`
	StickyWait   time.Duration `json:"stickyWait,omitempty" yaml:"stickyWait,omitempty"`

	// AverageHandleTime seeds the wait estimate until real handle times
	// are measured (default 4 min).
	AverageHandleTime time.Duration `json:"averageHandleTime,omitempty" yaml:"averageHandleTime,omitempty"`
	// NotifyPositions: queue positions are announced on every change to
	// the first this many of a department (default 100); the rest learn
	// their position when they enter and when they reach it.
	NotifyPositions int `json:"notifyPositions,omitempty" yaml:"notifyPositions,omitempty"`
	// AfterHoursPriority: conversations of at least this priority are
	// routed even when their office is closed (default 100: emergencies).
	AfterHoursPriority int `json:"afterHoursPriority,omitempty" yaml:"afterHoursPriority,omitempty"`
	// RouteSupervisors lets routing assign to supervisors and admins too.
	RouteSupervisors bool `json:"routeSupervisors,omitempty" yaml:"routeSupervisors,omitempty"`
	// ExplainMembers: a decision lists every member of the department
	// with why it was or was not eligible when there are at most this
	// many (default 25); otherwise only the leading candidates.
	ExplainMembers int `json:"explainMembers,omitempty" yaml:"explainMembers,omitempty"`
	// DecisionsKept on a conversation, latest kept (default 20).
	DecisionsKept int `json:"decisionsKept,omitempty" yaml:"decisionsKept,omitempty"`
	// Tick is how often the runner advances the clock (default 1 s).
	Tick time.Duration `json:"tick,omitempty" yaml:"tick,omitempty"`

	// Now is the clock (default civicdesk.Now).
	Now func() time.Time `json:"-" yaml:"-"`
}

// Defaults of the configuration.
const (
	DefaultCapacity           = 5
	DefaultAgingStep          = 10 * time.Second
	DefaultOfferTimeout       = 30 * time.Second
	DefaultMaxMissedOffers    = 3
	DefaultExcludeFor         = 2 * time.Minute
	DefaultGrace              = 20 * time.Second
	DefaultStickyWithin       = 7 * 24 * time.Hour
	DefaultStickyWait         = 30 * time.Second
	DefaultAverageHandleTime  = 4 * time.Minute
	DefaultNotifyPositions    = 100
	DefaultServiceLevelTarget = 60 * time.Second
	DefaultServiceLevelGoal   = 0.8
)

// DefaultEscalation widens to general after 2 minutes and drops the
// language requirement after 3.
func DefaultEscalation() []EscalationStep {
	return []EscalationStep{
		{After: 120 * time.Second, Widen: []string{"general"}},
		{After: 180 * time.Second, DropLanguage: true},
	}
}

// DemoConfig is the demo's routing: direct assignment, longest idle,
// always open, the default escalation.
func DemoConfig() Config { return Config{} }

// units of capacity: a webchat conversation is 1000.
const unit = 1000

// deptConf is a department's configuration with defaults applied and hours
// compiled.
type deptConf struct {
	Department
	hours *hours // nil: always open
}

// settings is Config with every default applied, ready for the engine.
type settings struct {
	Config
	weights [numChannels]int64
	depts   map[string]*deptConf
	def     *deptConf
}

func (c Config) compile() (*settings, error) {
	s := &settings{Config: c, depts: map[string]*deptConf{}}
	if s.Fallback == "" {
		s.Fallback = "general"
	}
	if s.Capacity <= 0 {
		s.Capacity = DefaultCapacity
	}
	w := map[civicdesk.Channel]float64{civicdesk.ChannelWebchat: 1, civicdesk.ChannelSMS: 0.5, civicdesk.ChannelEmail: 0.25}
	for ch, v := range c.Weights {
		if chIndex(ch) < 0 {
			return nil, fmt.Errorf("routing: weight for unknown channel %q", ch)
		}
		if v <= 0 || v > 100 || math.IsNaN(v) {
			return nil, fmt.Errorf("routing: weight of %s must be in (0, 100], not %v", ch, v)
		}
		w[ch] = v
	}
	for ch, v := range w {
		s.weights[chIndex(ch)] = int64(math.Round(v * unit))
	}
	for id, n := range c.AgentCapacity {
		if n < 0 {
			return nil, fmt.Errorf("routing: capacity of agent %s is negative", id)
		}
	}
	dur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	dur(&s.AgingStep, DefaultAgingStep)
	if s.AgingStep < time.Millisecond {
		return nil, fmt.Errorf("routing: agingStep %v is below a millisecond", s.AgingStep)
	}
	if s.MaxMissedOffers <= 0 {
		s.MaxMissedOffers = DefaultMaxMissedOffers
	}
	dur(&s.ExcludeFor, DefaultExcludeFor)
	dur(&s.AwayGrace, DefaultGrace)
	dur(&s.OfflineGrace, DefaultGrace)
	dur(&s.StickyWithin, DefaultStickyWithin)
	dur(&s.StickyWait, DefaultStickyWait)
	dur(&s.AverageHandleTime, DefaultAverageHandleTime)
	dur(&s.Tick, time.Second)
	if s.NotifyPositions <= 0 {
		s.NotifyPositions = DefaultNotifyPositions
	}
	if s.AfterHoursPriority == 0 {
		s.AfterHoursPriority = civicdesk.UrgencyEmergency.Priority()
	}
	if s.ExplainMembers == 0 {
		s.ExplainMembers = 25
	}
	if s.DecisionsKept <= 0 {
		s.DecisionsKept = 20
	}
	if s.Now == nil {
		s.Now = civicdesk.Now
	}
	def := c.Default
	if def.Strategy == "" {
		def.Strategy = LongestIdle
	}
	if def.Mode == "" {
		def.Mode = Direct
	}
	if def.OfferTimeout == 0 {
		def.OfferTimeout = DefaultOfferTimeout
	}
	if def.Escalation == nil {
		def.Escalation = DefaultEscalation()
	}
	if def.ServiceLevelTarget == 0 {
		def.ServiceLevelTarget = DefaultServiceLevelTarget
	}
	if def.ServiceLevelGoal == 0 {
		def.ServiceLevelGoal = DefaultServiceLevelGoal
	}
	var err error
	if s.def, err = compileDept("default", def); err != nil {
		return nil, err
	}
	for id, d := range c.Departments {
		if d.Strategy == "" {
			d.Strategy = def.Strategy
		}
		if d.Mode == "" {
			d.Mode = def.Mode
		}
		if d.OfferTimeout == 0 {
			d.OfferTimeout = def.OfferTimeout
		}
		if d.Escalation == nil {
			d.Escalation = def.Escalation
		}
		if d.Hours == nil {
			d.Hours = def.Hours
		}
		if d.ServiceLevelTarget == 0 {
			d.ServiceLevelTarget = def.ServiceLevelTarget
		}
		if d.ServiceLevelGoal == 0 {
			d.ServiceLevelGoal = def.ServiceLevelGoal
		}
		if s.depts[id], err = compileDept(id, d); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func compileDept(id string, d Department) (*deptConf, error) {
	switch d.Strategy {
	case LongestIdle, LeastBusy, RoundRobin, Manual:
	default:
		return nil, fmt.Errorf("routing: department %s: unknown strategy %q", id, d.Strategy)
	}
	switch d.Mode {
	case Direct, Offer:
	default:
		return nil, fmt.Errorf("routing: department %s: unknown mode %q", id, d.Mode)
	}
	if d.OfferTimeout < time.Second {
		return nil, fmt.Errorf("routing: department %s: offer timeout %v is under a second", id, d.OfferTimeout)
	}
	if d.ServiceLevelTarget < 0 {
		return nil, fmt.Errorf("routing: department %s: service level target %v is negative", id, d.ServiceLevelTarget)
	}
	if d.ServiceLevelGoal < 0 || d.ServiceLevelGoal > 1 {
		return nil, fmt.Errorf("routing: department %s: service level goal %v is not a share", id, d.ServiceLevelGoal)
	}
	steps := slices.Clone(d.Escalation)
	slices.SortStableFunc(steps, func(a, b EscalationStep) int { return int(a.After - b.After) })
	for i, st := range steps {
		if st.After < 0 {
			return nil, fmt.Errorf("routing: department %s: escalation step %d has a negative delay", id, i)
		}
		if len(st.Widen) == 0 && !st.DropLanguage {
			return nil, fmt.Errorf("routing: department %s: escalation step %d does nothing", id, i)
		}
		for _, w := range st.Widen {
			if strings.TrimSpace(w) == "" {
				return nil, fmt.Errorf("routing: department %s: escalation step %d widens to an empty department", id, i)
			}
		}
	}
	d.Escalation = steps
	dc := &deptConf{Department: d}
	if d.Hours != nil {
		h, err := compileHours(*d.Hours)
		if err != nil {
			return nil, fmt.Errorf("routing: department %s: %w", id, err)
		}
		dc.hours = h
	}
	return dc, nil
}

func (s *settings) dept(id string) *deptConf {
	if d, ok := s.depts[id]; ok {
		return d
	}
	return s.def
}

func (s *settings) capacity(agentID string) int64 {
	if n, ok := s.AgentCapacity[agentID]; ok {
		return int64(n) * unit
	}
	return int64(s.Capacity) * unit
}

// ServiceLevel is a department's service-level goal.
type ServiceLevel struct {
	Target time.Duration
	Goal   float64
}

// ServiceLevels returns the goal of each configured department and, under
// "", the default.
func (c Config) ServiceLevels() (map[string]ServiceLevel, error) {
	s, err := c.compile()
	if err != nil {
		return nil, err
	}
	out := map[string]ServiceLevel{"": {Target: s.def.ServiceLevelTarget, Goal: s.def.ServiceLevelGoal}}
	for id, d := range s.depts {
		out[id] = ServiceLevel{Target: d.ServiceLevelTarget, Goal: d.ServiceLevelGoal}
	}
	return out, nil
}

// Validate reports a configuration the engine would refuse.
func (c Config) Validate() error {
	_, err := c.compile()
	return err
}

const numChannels = 3

func chIndex(ch civicdesk.Channel) int {
	switch ch {
	case civicdesk.ChannelWebchat:
		return 0
	case civicdesk.ChannelSMS:
		return 1
	case civicdesk.ChannelEmail:
		return 2
	}
	return -1
}

// LoadConfig reads routing settings from YAML (keys as in the JSON form,
// durations as "30s" or "2m"), refusing unknown keys, and validates them.
func LoadConfig(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("routing settings: %w", err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("routing settings: %w", err)
	}
	return c, nil
}

// WithDepartments returns c with the settings of some departments replaced
// (an admin's overrides laid over the file's), checked as LoadConfig checks
// a file. c itself is not changed.
func (c Config) WithDepartments(over map[string]Department) (Config, error) {
	if len(over) == 0 {
		return c, c.Validate()
	}
	depts := make(map[string]Department, len(c.Departments)+len(over))
	for id, d := range c.Departments {
		depts[id] = d
	}
	for id, d := range over {
		if strings.TrimSpace(id) == "" {
			return c, errors.New("routing: a department needs an id")
		}
		depts[id] = d
	}
	c.Departments = depts
	return c, c.Validate()
}

// Effective returns the settings department id works under, every default
// applied: what is in force, for display.
func (c Config) Effective(id string) (Department, error) {
	s, err := c.compile()
	if err != nil {
		return Department{}, err
	}
	d := s.dept(id).Department
	d.Escalation = slices.Clone(d.Escalation)
	if d.Hours != nil {
		h := *d.Hours
		h.Holidays = slices.Clone(h.Holidays)
		d.Hours = &h
	}
	return d, nil
}
