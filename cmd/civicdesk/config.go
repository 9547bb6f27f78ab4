package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is every setting of `civicdesk serve`. Each comes from a flag, else
// its CIVICDESK_* environment variable, else its default.
type Config struct {
	HTTPAddr        string
	SMTPAddr        string
	DataDir         string
	NATSURL         string
	NATSListen      string
	NATSReplicas    string
	MemoryLimit     string
	GCPercent       string
	TrustedProxies  string
	MongoURI        string
	MongoDatabase   string
	OpenAIBaseURL   string
	OpenAIAPIKey    string
	OpenAIModel     string
	PublicURL       string
	TwilioAccount   string
	TwilioToken     string
	TwilioFrom      string
	TwilioBaseURL   string
	EmailDomain     string
	EmailFrom       string
	SMTPRelay       string
	RateLimit       string
	LogLevel        string
	Demo            bool
	EmergencyAdvice string
	ExternalBotURL  string
	ExternalBotKey  string
	WidgetOrigins   string
	RoutingConfig   string
	SMTPTLSCert     string
	SMTPTLSKey      string
	SMTPMaxBytes    string
	// Identity: sessions and single sign-on (identity.go).
	Identity identitySettings
}

type setting struct {
	flag, env, def, help string
	dst                  *string
}

func (c *Config) settings() []setting {
	return append([]setting{
		{"http-addr", "CIVICDESK_HTTP_ADDR", "127.0.0.1:8080", "HTTP address (widget, desk, APIs, SMS webhooks)", &c.HTTPAddr},
		{"smtp-addr", "CIVICDESK_SMTP_ADDR", "127.0.0.1:2525", "inbound SMTP address", &c.SMTPAddr},
		{"data-dir", "CIVICDESK_DATA_DIR", "./data", "where the embedded NATS and SQLite keep their data", &c.DataDir},
		{"nats-url", "CIVICDESK_NATS_URL", "", "external NATS server or cluster (default: embedded)", &c.NATSURL},
		{"nats-replicas", "CIVICDESK_NATS_REPLICAS", "1", "copies of each JetStream stream and bucket in the NATS cluster (3 on a 3-node cluster)", &c.NATSReplicas},
		{"nats-listen", "CIVICDESK_NATS_LISTEN", "", "host:port where the embedded NATS accepts TCP clients (default: none)", &c.NATSListen},
		{"mongodb-uri", "CIVICDESK_MONGODB_URI", "", "MongoDB URI (default: embedded SQLite)", &c.MongoURI},
		{"mongodb-database", "CIVICDESK_MONGODB_DATABASE", "civicdesk", "MongoDB database", &c.MongoDatabase},
		{"openai-base-url", "CIVICDESK_OPENAI_BASE_URL", "", "OpenAI-compatible server for the LLM triager", &c.OpenAIBaseURL},
		{"openai-api-key", "CIVICDESK_OPENAI_API_KEY", "", "API key of the LLM server", &c.OpenAIAPIKey},
		{"openai-model", "CIVICDESK_OPENAI_MODEL", "", "model of the LLM triager", &c.OpenAIModel},
		{"public-url", "CIVICDESK_PUBLIC_URL", "", "external base URL (default http://<http addr>)", &c.PublicURL},
		{"twilio-account-sid", "CIVICDESK_TWILIO_ACCOUNT_SID", "", "Twilio account SID", &c.TwilioAccount},
		{"twilio-auth-token", "CIVICDESK_TWILIO_AUTH_TOKEN", "", "Twilio auth token (checks X-Twilio-Signature)", &c.TwilioToken},
		{"twilio-from", "CIVICDESK_TWILIO_FROM", "", "the agency's SMS number", &c.TwilioFrom},
		{"twilio-base-url", "CIVICDESK_TWILIO_BASE_URL", "https://api.twilio.com", "Twilio API base URL", &c.TwilioBaseURL},
		{"smtp-tls-cert", "CIVICDESK_SMTP_TLS_CERT", "", "PEM certificate for inbound STARTTLS (with smtp-tls-key)", &c.SMTPTLSCert},
		{"smtp-tls-key", "CIVICDESK_SMTP_TLS_KEY", "", "PEM key for inbound STARTTLS", &c.SMTPTLSKey},
		{"trusted-proxies", "CIVICDESK_TRUSTED_PROXIES", "", "CIDRs of the load balancers whose X-Forwarded-For is believed (default: none; the TCP peer is the client)", &c.TrustedProxies},
		{"memory-limit", "CIVICDESK_MEMORY_LIMIT", "400MiB", "soft memory limit of the Go runtime (off: none; GOMEMLIMIT wins)", &c.MemoryLimit},
		{"gc-percent", "CIVICDESK_GC_PERCENT", "200", "heap growth between garbage collections, in percent of the live heap, under the memory limit (GOGC wins)", &c.GCPercent},
		{"smtp-max-bytes", "CIVICDESK_SMTP_MAX_BYTES", "10485760", "largest inbound email in bytes (552 beyond)", &c.SMTPMaxBytes},
		{"email-domain", "CIVICDESK_EMAIL_DOMAIN", "civicdesk.localhost", "domain of inbound email", &c.EmailDomain},
		{"email-from", "CIVICDESK_EMAIL_FROM", "", "sender of outbound email (default help@<domain>)", &c.EmailFrom},
		{"smtp-relay", "CIVICDESK_SMTP_RELAY", "", "SMTP relay host:port for outbound email", &c.SMTPRelay},
		{"rate-limit", "CIVICDESK_RATE_LIMIT", "on", "rate limits per visitor, number and IP: on or off", &c.RateLimit},
		{"log-level", "CIVICDESK_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"emergency-guidance", "CIVICDESK_EMERGENCY_GUIDANCE", "", "text sent at once to a citizen in an emergency", &c.EmergencyAdvice},
		{"routing-config", "CIVICDESK_ROUTING_CONFIG", "", "YAML file of routing settings per department (strategy, offers, escalation, hours, service level)", &c.RoutingConfig},
		{"widget-origins", "CIVICDESK_WIDGET_ORIGINS", "", "comma-separated agency sites that may embed the widget, e.g. https://city.gov (default: any)", &c.WidgetOrigins},
		{"external-bot-url", "CIVICDESK_EXTERNAL_BOT_URL", "", "the agency's own bot, asked before the built-in one (POST JSON)", &c.ExternalBotURL},
		{"external-bot-secret", "CIVICDESK_EXTERNAL_BOT_SECRET", "", "secret that signs requests to the external bot", &c.ExternalBotKey},
	}, c.identitySettings()...)
}

// parseConfig reads flags over environment over defaults. extra, when not
// nil, registers a command's own flags beside the settings.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra ...func(*flag.FlagSet)) (Config, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, x := range extra {
		x(fs)
	}
	// The file comes first so that the environment and flags override it;
	// its path is itself a flag or CIVICDESK_CONFIG.
	file, err := configFile(args, getenv)
	if err != nil {
		return c, err
	}
	for _, s := range c.settings() {
		def := s.def
		if v, ok := file[s.flag]; ok {
			def = v
		}
		if v := getenv(s.env); v != "" {
			def = v
		}
		fs.StringVar(s.dst, s.flag, def, s.help+" ("+s.env+")")
	}
	var configPath string
	fs.StringVar(&configPath, "config", getenv("CIVICDESK_CONFIG"), "YAML file of settings, keyed by flag name (CIVICDESK_CONFIG)")
	fs.BoolVar(&c.Demo, "demo", file["demo"] == "true", "seed demo departments and accounts (idempotent)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("http-addr (CIVICDESK_HTTP_ADDR) %q is not host:port", c.HTTPAddr))
	}
	if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("smtp-addr (CIVICDESK_SMTP_ADDR) %q is not host:port", c.SMTPAddr))
	}
	if n, err := strconv.ParseInt(c.SMTPMaxBytes, 10, 64); err != nil || n < 1024 {
		errs = append(errs, fmt.Errorf("smtp-max-bytes (CIVICDESK_SMTP_MAX_BYTES) must be a number of bytes of at least 1024, not %q", c.SMTPMaxBytes))
	}
	if (c.SMTPTLSCert == "") != (c.SMTPTLSKey == "") {
		errs = append(errs, errors.New("smtp-tls-cert and smtp-tls-key (CIVICDESK_SMTP_TLS_*) go together: set both or neither"))
	}
	if _, err := ipExtractor(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted-proxies (CIVICDESK_TRUSTED_PROXIES): %v", err))
	}
	if _, err := parseMemoryLimit(c.MemoryLimit); err != nil {
		errs = append(errs, fmt.Errorf("memory-limit (CIVICDESK_MEMORY_LIMIT) %q: %v", c.MemoryLimit, err))
	}
	if _, err := parseGCPercent(c.GCPercent); err != nil {
		errs = append(errs, fmt.Errorf("gc-percent (CIVICDESK_GC_PERCENT) %q: %v", c.GCPercent, err))
	}
	if n, err := strconv.Atoi(c.NATSReplicas); err != nil || n < 1 || n > 5 {
		errs = append(errs, fmt.Errorf("nats-replicas (CIVICDESK_NATS_REPLICAS) must be 1 to 5, not %q", c.NATSReplicas))
	} else if n > 1 && c.NATSURL == "" {
		errs = append(errs, errors.New("nats-replicas (CIVICDESK_NATS_REPLICAS) above 1 needs a NATS cluster (nats-url): the embedded server is a single node"))
	}
	if c.RateLimit != "on" && c.RateLimit != "off" {
		errs = append(errs, fmt.Errorf("rate-limit (CIVICDESK_RATE_LIMIT) must be on or off, not %q", c.RateLimit))
	}
	if c.DataDir == "" && (c.NATSURL == "" || c.MongoURI == "") {
		errs = append(errs, errors.New("data-dir (CIVICDESK_DATA_DIR) is empty but the embedded NATS or SQLite needs it"))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level (CIVICDESK_LOG_LEVEL) must be debug, info, warn or error, not %q", c.LogLevel))
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.HTTPAddr
	}
	if c.EmailFrom == "" {
		c.EmailFrom = "help@" + c.EmailDomain
	}
	errs = append(errs, c.Identity.validate()...)
	return errors.Join(errs...)
}

// configFile reads the YAML file named by --config or CIVICDESK_CONFIG: a
// mapping of flag names to scalar values. An unknown key, a nested value or
// a missing file is an error that names the key or the file.
func configFile(args []string, getenv func(string) string) (map[string]string, error) {
	path := getenv("CIVICDESK_CONFIG")
	for i, a := range args {
		if a == "--config" || a == "-config" {
			if i+1 < len(args) {
				path = args[i+1]
			}
		} else if v, ok := strings.CutPrefix(a, "--config="); ok {
			path = v
		} else if v, ok := strings.CutPrefix(a, "-config="); ok {
			path = v
		}
	}
	if path == "" {
		return map[string]string{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := map[string]string{}
	if len(doc.Content) == 0 {
		return out, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config file %s: the top level must be a mapping of setting: value", path)
	}
	known := map[string]bool{"demo": true}
	for _, s := range (&Config{}).settings() {
		known[s.flag] = true
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !known[k.Value] {
			return nil, fmt.Errorf("config file %s line %d: unknown key %q (keys are the flag names of civicdesk serve, e.g. http-addr)", path, k.Line, k.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("config file %s line %d: %s must be a single value", path, v.Line, k.Value)
		}
		out[k.Value] = v.Value
	}
	return out, nil
}
