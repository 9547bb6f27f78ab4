package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/civicdesk/civicdesk/bot"
	"github.com/civicdesk/civicdesk/bot/kb"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/channels/email"
	"github.com/civicdesk/civicdesk/channels/sms"
	"github.com/civicdesk/civicdesk/channels/webchat"
	"github.com/civicdesk/civicdesk/internal/audit"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/civicdesk/civicdesk/internal/mongostore"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/openapi"
	"github.com/civicdesk/civicdesk/internal/privacy"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/civicdesk/civicdesk/internal/storetest"
	"github.com/civicdesk/civicdesk/routing"
	"github.com/civicdesk/civicdesk/webhooks"
	"github.com/civicdesk/civicdesk/widget"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routesHook, when a test sets it, receives every route the server registers.
var routesHook func([]*echo.Route)

// deskClock, when a test sets it, is the desk's clock (sessions, sign-in).
var deskClock func() time.Time

// retentionClock and retentionEvery, when a test sets them, drive the
// retention job (default: the real clock, hourly).
var (
	retentionClock func() time.Time
	retentionEvery time.Duration
)

// Store is the whole store as the wiring sees it.
type Store = storetest.Store

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// serve runs the contact center until ctx ends.
func serve(ctx context.Context, cfg Config, stderr io.Writer) error {
	log := newLogger(stderr, cfg.LogLevel)
	defer startPprof(log)() // off unless CIVICDESK_PPROF=127.0.0.1:6060
	// validated by parseConfig
	memLimit, _ := parseMemoryLimit(cfg.MemoryLimit)
	defer applyMemoryLimit(memLimit, log)()
	gcPercent, _ := parseGCPercent(cfg.GCPercent)
	defer applyGCPercent(gcPercent, log)()
	if cfg.NATSURL == "" || cfg.MongoURI == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}

	var ns *server.Server
	replicas, _ := strconv.Atoi(cfg.NATSReplicas) // validated
	natsCfg := natsbus.Config{URL: cfg.NATSURL, Name: "civicdesk", Replicas: replicas}
	if cfg.NATSURL == "" {
		unlock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer unlock()
		ns, err = natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: cfg.NATSListen})
		if err != nil {
			return err
		}
		defer func() {
			ns.Shutdown()
			ns.WaitForShutdown()
		}()
		natsCfg.Embedded = ns
	}
	startCtx, cancelStart := context.WithTimeout(ctx, 60*time.Second)
	defer cancelStart()
	bus, err := natsbus.Connect(startCtx, natsCfg, log)
	if err != nil {
		return err
	}
	defer bus.Close()

	store, err := openStore(startCtx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()

	if cfg.Demo {
		if err := seedDemo(startCtx, store, log); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	depts, err := store.ListDepartments(startCtx)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
	}
	if _, ok := names["general"]; !ok {
		names["general"] = "General"
	}

	triager, err := newTriager(cfg, log)
	if err != nil {
		return fmt.Errorf("triager: %w", err)
	}
	rateLimit := cfg.RateLimit == "on"
	recorder := channels.NewRecorder(store, bus, log)
	chat, err := webchat.New(webchat.Config{RateLimit: rateLimit, AllowedOrigins: splitList(cfg.WidgetOrigins)}, store, bus, log)
	if err != nil {
		return err
	}
	texts, err := sms.New(sms.Config{PublicURL: cfg.PublicURL, AccountSID: cfg.TwilioAccount, AuthToken: cfg.TwilioToken,
		From: cfg.TwilioFrom, BaseURL: cfg.TwilioBaseURL, RateLimit: rateLimit}, store, bus, log)
	if err != nil {
		return err
	}
	knowledge, err := loadKnowledge(startCtx, store, cfg.Demo)
	if err != nil {
		return fmt.Errorf("knowledge base: %w", err)
	}
	// The bot searches through a holder so that articles changed in the
	// admin pages are used at once, on every replica.
	knowledgeHolder := kb.NewHolder(knowledge)
	kbReload := newKBReloader(knowledgeHolder, store, cfg.Demo, bus, log)
	var external *bot.External
	if cfg.ExternalBotURL != "" {
		external = &bot.External{URL: cfg.ExternalBotURL, Secret: cfg.ExternalBotKey}
	}
	triageBot, err := bot.New(bot.Config{Departments: names, EmergencyGuidance: cfg.EmergencyAdvice, External: external,
		ExternalFrom: externalFromStore(store, log)}, triager, knowledgeHolder, store, bus, log)
	if err != nil {
		return err
	}
	// Routing settings per department: the demo's (direct assignment,
	// longest idle, always open) until they come from a file.
	routingCfg := routing.DemoConfig()
	if cfg.RoutingConfig != "" {
		data, err := os.ReadFile(cfg.RoutingConfig)
		if err != nil {
			return fmt.Errorf("routing-config: %w", err)
		}
		if routingCfg, err = routing.LoadConfig(data); err != nil {
			return fmt.Errorf("routing-config %s: %w", cfg.RoutingConfig, err)
		}
	}
	router, err := routing.New(routingCfg, store, bus, log)
	if err != nil {
		return err
	}
	// Admins' per-department settings from the store, laid over the file's
	// and followed live on every replica.
	routingLive, err := newLiveRouting(startCtx, routingCfg, store, router, bus, log)
	if err != nil {
		return err
	}
	// The widget offers to leave a message when routing's hours and
	// caseworkers' presence say no one answers now.
	chat.SetAvailability(widgetAvailability(store, routingLive.Config))
	levels, err := routingCfg.ServiceLevels()
	if err != nil {
		return err
	}
	serviceLevels := map[string]agentdesk.ServiceLevel{}
	for id, sl := range levels {
		serviceLevels[id] = agentdesk.ServiceLevel{Target: sl.Target, Goal: sl.Goal}
	}
	// Email: SMTP in on the SMTP address, replies out through the relay (or
	// the outbox records when none is set). Bound now so a busy port fails
	// at start.
	maxMail, _ := strconv.ParseInt(cfg.SMTPMaxBytes, 10, 64) // validated
	mailer, err := email.New(email.Config{Addr: cfg.SMTPAddr, Domain: cfg.EmailDomain, From: cfg.EmailFrom, Relay: cfg.SMTPRelay,
		TLSCertFile: cfg.SMTPTLSCert, TLSKeyFile: cfg.SMTPTLSKey, MaxMessageBytes: maxMail,
		RateLimit: rateLimit}, store, bus, log)
	if err != nil {
		return err
	}
	smtpAddr, err := mailer.Listen()
	if err != nil {
		return err
	}

	auditor := audit.NewRecorder(bus)
	deskCfg := agentdesk.Config{Audit: auditor, Purger: bus, RoutingSettings: routingLive, Attachment: func(ctx context.Context, id string) (string, string, string, []byte, error) {
		info, data, err := mailer.Attachment(ctx, id)
		return info.ConversationID, info.Name, info.ContentType, data, err
	}, RateLimit: rateLimit, SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
		ServiceLevels: serviceLevels, ServiceLevelsNow: routingLive.ServiceLevels, Now: deskClock}
	cfg.deskIdentity(&deskCfg)
	desk, err := agentdesk.New(deskCfg, store, bus, log)
	if err != nil {
		return err
	}
	if cfg.Demo {
		if err := desk.SeedCanned(startCtx); err != nil {
			return fmt.Errorf("demo canned responses: %w", err)
		}
	}
	pages, err := widget.New(widget.Config{})
	if err != nil {
		return err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor, _ = ipExtractor(cfg.TrustedProxies) // validated
	e.HTTPErrorHandler = httpx.ErrorHandler(log)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		log.Error("panic in handler", "path", c.Path(), "err", err, "stack", string(stack))
		return err
	}}))
	e.Use(httpx.SecurityHeaders())
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", func(c echo.Context) error {
		rctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := bus.Ping(rctx); err != nil {
			return civicdesk.Wrap(civicdesk.CodeUnavailable, err, "NATS is not answering")
		}
		if err := store.Ping(rctx); err != nil {
			return civicdesk.Wrap(civicdesk.CodeUnavailable, err, "the store is not answering")
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{})))
	spec, err := json.Marshal(openapi.Build("CivicDesk", "1.0.0", apiOperations()))
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	e.GET("/api/v1/openapi.json", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, spec) })
	chat.Register(e)
	hooks := webhooks.New(webhooks.Config{}, store, bus, log)
	webhooks.NewAdmin(store, auditor, agentdesk.ActorOf, hooks.Changed).Register(e.Group("/api/v1/admin", desk.SupervisorOnly()...))
	texts.Register(e)
	desk.Register(e)
	agentdesk.NewRoutingAdmin(desk, routingCfg, routingLive.Changed).Register(e)
	desk.RegisterPages(e)
	desk.RegisterKnowledge(e, kbReload.Changed)
	pages.Register(e)
	if routesHook != nil {
		routesHook(e.Routes())
	}

	runCtx, stopRun := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(runCtx); err != nil && runCtx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	// The socket fan-outs listen before anything is served: a socket
	// accepted once the server is ready misses no event.
	for _, l := range []func() (func(), error){chat.Listen, desk.Listen} {
		if _, err := l(); err != nil {
			stopRun()
			return fmt.Errorf("subscribe the socket fan-out: %w", err)
		}
	}
	start("recorder", recorder.Run)
	start("audit", audit.NewChainer(store, bus, log).Run)
	start("webhooks", hooks.Run)
	start("webchat", chat.Run)
	start("sms", texts.Run)
	start("bot", triageBot.Run)
	start("kb reload", kbReload.Run)
	start("routing", router.Run)
	start("routing settings", routingLive.Run)
	start("agentdesk", desk.Run)
	// Retention per department, at start and hourly, on one replica.
	start("retention", (&privacy.Retention{Store: store, Bus: bus, Audit: auditor, Log: log, Now: retentionClock, Every: retentionEvery}).Run)
	start("email", mailer.Run) // SMTP server, delivery and transcript consumers; stops with runCtx
	start("webchat delivery", func(ctx context.Context) error {
		// Webchat replies reach the citizen through the event fan-out; this
		// consumer marks the outbound copy handled.
		return bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamOutbound, Durable: "webchat",
			Filters: []string{civicdesk.OutboundSubject(civicdesk.ChannelWebchat, "*")}}, func(context.Context, civicdesk.Delivery) error { return nil })
	})

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		stopRun()
		wg.Wait()
		return fmt.Errorf("http: %w", err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	log.Info("CivicDesk listening", "url", "http://"+ln.Addr().String(), "demo", cfg.Demo)
	fmt.Fprintf(stderr, "CivicDesk listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stderr, "CivicDesk SMTP on %s for @%s\n", smtpAddr, mailer.Domain())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		log.Error("stopping after failure", "err", runErr)
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Stop taking requests first and finish those in flight (an accepted
	// message is already in JetStream), so that a socket told to go away
	// cannot reconnect to this replica; then sockets close with "going
	// away" and consumers drain (unacknowledged work is redelivered to the
	// other replicas).
	_ = srv.Shutdown(shutCtx)
	stopRun()
	wg.Wait()
	_ = bus.Drain()
	return runErr
}

func openStore(ctx context.Context, cfg Config) (Store, error) {
	if cfg.MongoURI != "" {
		return mongostore.New(ctx, mongostore.Config{URI: cfg.MongoURI, Database: cfg.MongoDatabase})
	}
	return sqlitestore.New(ctx, sqlitestore.Config{Path: filepath.Join(cfg.DataDir, "civicdesk.db")})
}
