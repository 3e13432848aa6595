// Command interop-client is the Go OpenTelemetry SDK client of Skein's interop tests.
//
//	interop-client export -endpoint 127.0.0.1:4317 -protocol grpc|http [-service NAME]
//	    creates a small trace (nesting, every attribute type the SDK supports, an event, a link, an
//	    error status, non-default kinds), exports it, and prints what it exported as JSON.
//	interop-client serve -endpoint ... -protocol ...
//	    serves HTTP on 127.0.0.1 (prints {"listening":"host:port"}); each request continues the
//	    W3C traceparent it carries with a SERVER span "go-server", flushes it to Skein, and answers
//	    with the JSON view of that span. Exits on SIGTERM/SIGINT or when stdin closes.
//	interop-client sample -endpoint ... -sampling-url ... -rates op=N,... (see sampling.go)
//	    the stock Jaeger remote sampler polling Skein, spans at fixed rates per operation.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const (
	scopeName    = "skein-interop-go"
	scopeVersion = "1.0.0"
)

// recordingExporter passes spans to the real exporter and remembers what it was given.
type recordingExporter struct {
	inner    sdktrace.SpanExporter
	mu       sync.Mutex
	spans    []sdktrace.ReadOnlySpan
	failures []string
}

func (r *recordingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := r.inner.ExportSpans(ctx, spans)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, spans...)
	if err != nil {
		r.failures = append(r.failures, err.Error())
	}
	return err
}

func (r *recordingExporter) Shutdown(ctx context.Context) error { return r.inner.Shutdown(ctx) }

func (r *recordingExporter) take() ([]sdktrace.ReadOnlySpan, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	spans, failures := r.spans, r.failures
	r.spans, r.failures = nil, nil
	return spans, failures
}

// newExporter sends in clear text unless useTLS; headers, the CA and the client certificate then
// come from the SDK's own environment variables (OTEL_EXPORTER_OTLP_HEADERS, _CERTIFICATE,
// _CLIENT_CERTIFICATE, _CLIENT_KEY), as an application configures them.
func newExporter(ctx context.Context, protocol, endpoint string, useTLS bool) (sdktrace.SpanExporter, error) {
	switch protocol {
	case "grpc":
		options := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithTimeout(10 * time.Second)}
		if !useTLS {
			options = append(options, otlptracegrpc.WithInsecure())
		}
		return otlptracegrpc.New(ctx, options...)
	case "http":
		options := []otlptracehttp.Option{otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithTimeout(10 * time.Second)}
		if !useTLS {
			options = append(options, otlptracehttp.WithInsecure())
		}
		return otlptracehttp.New(ctx, options...)
	}
	return nil, fmt.Errorf("unknown protocol %q (grpc or http)", protocol)
}

// typed is an attribute value with the type the Go SDK holds it as (ints as strings: int64 exceeds JSON).
func typed(v attribute.Value) map[string]any {
	switch v.Type() {
	case attribute.BOOL:
		return map[string]any{"type": "bool", "value": v.AsBool()}
	case attribute.INT64:
		return map[string]any{"type": "int", "value": strconv.FormatInt(v.AsInt64(), 10)}
	case attribute.FLOAT64:
		return map[string]any{"type": "double", "value": jsonDouble(v.AsFloat64())}
	case attribute.STRING:
		return map[string]any{"type": "string", "value": v.AsString()}
	case attribute.BYTESLICE:
		return map[string]any{"type": "bytes", "value": base64.StdEncoding.EncodeToString(v.AsByteSlice())}
	case attribute.BOOLSLICE:
		return array(v.AsBoolSlice(), attribute.BoolValue)
	case attribute.INT64SLICE:
		return array(v.AsInt64Slice(), attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		return array(v.AsFloat64Slice(), attribute.Float64Value)
	case attribute.STRINGSLICE:
		return array(v.AsStringSlice(), attribute.StringValue)
	case attribute.SLICE:
		return array(v.AsSlice(), func(x attribute.Value) attribute.Value { return x })
	case attribute.MAP:
		return map[string]any{"type": "map", "value": attributes(v.AsMap())}
	case attribute.EMPTY:
		return map[string]any{"type": "empty"}
	}
	panic("unexpected attribute type " + v.Type().String())
}

// jsonDouble keeps values JSON cannot carry as numbers (NaN, ±Inf) as strings.
func jsonDouble(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return f
}

func array[T any](items []T, wrap func(T) attribute.Value) map[string]any {
	out := make([]map[string]any, len(items))
	for i, item := range items {
		out[i] = typed(wrap(item))
	}
	return map[string]any{"type": "array", "value": out}
}

func attributes(kvs []attribute.KeyValue) []map[string]any {
	out := make([]map[string]any, len(kvs))
	for i, kv := range kvs {
		out[i] = map[string]any{"key": string(kv.Key), "value": typed(kv.Value)}
	}
	return out
}

// flags is what this SDK's OTLP encoder puts in Span.flags / Link.flags.
func flags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	f := uint32(tf) | 0x100
	if parent.IsRemote() {
		f |= 0x200
	}
	return f
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func describe(s sdktrace.ReadOnlySpan) map[string]any {
	sc := s.SpanContext()
	parent := ""
	if s.Parent().IsValid() {
		parent = s.Parent().SpanID().String()
	}
	events := make([]map[string]any, 0, len(s.Events()))
	for _, e := range s.Events() {
		events = append(events, map[string]any{
			"name": e.Name, "timeUnixNano": nanos(e.Time), "attributes": attributes(e.Attributes),
			"droppedAttributesCount": e.DroppedAttributeCount,
		})
	}
	links := make([]map[string]any, 0, len(s.Links()))
	for _, l := range s.Links() {
		links = append(links, map[string]any{
			"traceId": l.SpanContext.TraceID().String(), "spanId": l.SpanContext.SpanID().String(),
			// This SDK's OTLP transform (v1.47.0) does not send Link.trace_state: report what goes on the wire.
			"traceState": "", "sdkTraceState": l.SpanContext.TraceState().String(),
			"flags":      flags(l.SpanContext.TraceFlags(), l.SpanContext),
			"attributes": attributes(l.Attributes), "droppedAttributesCount": l.DroppedAttributeCount,
		})
	}
	scope := s.InstrumentationScope()
	return map[string]any{
		"traceId": sc.TraceID().String(), "spanId": sc.SpanID().String(), "parentSpanId": parent,
		"traceState": sc.TraceState().String(), "flags": flags(sc.TraceFlags(), s.Parent()),
		"name": s.Name(), "kind": map[trace.SpanKind]string{
			trace.SpanKindInternal: "INTERNAL", trace.SpanKindServer: "SERVER", trace.SpanKindClient: "CLIENT",
			trace.SpanKindProducer: "PRODUCER", trace.SpanKindConsumer: "CONSUMER",
		}[s.SpanKind()],
		"startTimeUnixNano": nanos(s.StartTime()), "endTimeUnixNano": nanos(s.EndTime()),
		"attributes": attributes(s.Attributes()), "droppedAttributesCount": s.DroppedAttributes(),
		"events": events, "droppedEventsCount": s.DroppedEvents(),
		"links": links, "droppedLinksCount": s.DroppedLinks(),
		"status":   map[string]any{"code": map[codes.Code]string{codes.Unset: "UNSET", codes.Ok: "OK", codes.Error: "ERROR"}[s.Status().Code], "message": s.Status().Description},
		"resource": map[string]any{"attributes": attributes(s.Resource().Attributes()), "schemaUrl": s.Resource().SchemaURL()},
		"scope":    map[string]any{"name": scope.Name, "version": scope.Version},
	}
}

func describeAll(spans []sdktrace.ReadOnlySpan) []map[string]any {
	out := make([]map[string]any, len(spans))
	for i, s := range spans {
		out[i] = describe(s)
	}
	return out
}

func exportTrace(tracer trace.Tracer) {
	ctx := context.Background()
	otherTrace, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	otherSpan, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	state, _ := trace.ParseTraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
	other := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: otherTrace, SpanID: otherSpan, TraceFlags: trace.FlagsSampled, TraceState: state, Remote: true,
	})
	rootCtx, root := tracer.Start(ctx, "go GET /orders",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithLinks(trace.Link{SpanContext: other, Attributes: []attribute.KeyValue{attribute.String("link.reason", "batch"), attribute.Int("link.index", 0)}}),
		trace.WithAttributes(
			attribute.String("http.request.method", "GET"),
			attribute.String("str.empty", ""),
			attribute.String("str.unicode", "naïve ☃ 𝄞 \"quoted\" \\ end"),
			attribute.Int("int.zero", 0),
			attribute.Int64("int.negative", -42),
			attribute.Int64("int.max", math.MaxInt64),
			attribute.Int64("int.min", math.MinInt64),
			attribute.Float64("double.fraction", 0.1),
			attribute.Float64("double.negative_zero", math.Copysign(0, -1)),
			attribute.Float64("double.tiny", 5e-324),
			attribute.Float64("double.huge", math.MaxFloat64),
			attribute.Float64("double.whole", 3),
			attribute.Bool("bool.true", true),
			attribute.Bool("bool.false", false),
			attribute.ByteSlice("bytes.binary", []byte("\x00\x01\xfe\xff skein")),
			attribute.StringSlice("array.str", []string{"a", "", "ü"}),
			attribute.Int64Slice("array.int", []int64{1, -2, 1 << 62}),
			attribute.Float64Slice("array.double", []float64{0.5, -1.25}),
			attribute.BoolSlice("array.bool", []bool{true, false}),
			attribute.StringSlice("array.empty", []string{}),
			attribute.Slice("array.mixed", attribute.StringValue("x"), attribute.IntValue(1), attribute.Float64Value(2.5), attribute.BoolValue(true), attribute.Value{}),
			attribute.Slice("array.nested", attribute.Int64SliceValue([]int64{1, 2}), attribute.StringSliceValue([]string{"three"})),
			attribute.Map("map.nested",
				attribute.String("inner.str", "v"), attribute.Int("inner.int", 7),
				attribute.Float64Slice("inner.list", []float64{1.5}), attribute.Map("inner.map", attribute.Bool("deep", true))),
			attribute.KeyValue{Key: "none.value", Value: attribute.Value{}},
		),
	)
	childCtx, child := tracer.Start(rootCtx, "go SELECT orders", trace.WithSpanKind(trace.SpanKindClient))
	child.AddEvent("rows.fetched", trace.WithAttributes(attribute.Int("db.rows", 3), attribute.Bool("db.cached", false), attribute.Float64("db.ratio", 0.75)))
	child.AddEvent("no.attributes", trace.WithTimestamp(time.Now().Add(-time.Millisecond)))
	child.SetAttributes(attribute.String("db.system", "postgresql"))
	_, grandchild := tracer.Start(childCtx, "go publish order.fetched", trace.WithSpanKind(trace.SpanKindProducer))
	grandchild.End()
	child.End()
	_, internal := tracer.Start(rootCtx, "go compute")
	internal.End()
	root.RecordError(errors.New("order 42 not found"))
	root.SetStatus(codes.Error, "order lookup failed")
	root.End()
}

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "sample" {
		sample(os.Args[2:])
		return
	}
	if len(os.Args) < 2 || (os.Args[1] != "export" && os.Args[1] != "serve") {
		fmt.Fprintln(os.Stderr, "usage: interop-client export|serve|sample -endpoint HOST:PORT -protocol grpc|http [-service NAME]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "OTLP endpoint host:port")
	protocol := fs.String("protocol", "grpc", "grpc or http")
	service := fs.String("service", "go-interop", "service.name")
	useTLS := fs.Bool("tls", false, "TLS, configured by OTEL_EXPORTER_OTLP_CERTIFICATE and friends")
	_ = fs.Parse(os.Args[2:])
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "-endpoint is required")
		os.Exit(2)
	}

	ctx := context.Background()
	inner, err := newExporter(ctx, *protocol, *endpoint, *useTLS)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	recorder := &recordingExporter{inner: inner}
	res := resource.NewSchemaless(
		attribute.String("service.name", *service), attribute.String("service.version", "2.0.0"),
		attribute.Int("host.cores", 4), attribute.String("interop.sdk", "go"),
	)
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(recorder), sdktrace.WithResource(res))
	tracer := provider.Tracer(scopeName, trace.WithInstrumentationVersion(scopeVersion))

	if mode == "export" {
		exportTrace(tracer)
		flushErr := provider.ForceFlush(ctx)
		_ = provider.Shutdown(ctx)
		spans, failures := recorder.take()
		_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"sdk": "go", "protocol": *protocol, "spans": describeAll(spans)})
		if flushErr != nil || len(failures) > 0 {
			fmt.Fprintf(os.Stderr, "export failed: flush=%v failures=%v\n", flushErr, failures)
			os.Exit(1)
		}
		return
	}
	serve(ctx, provider, tracer, recorder)
}

func serve(ctx context.Context, provider *sdktrace.TracerProvider, tracer trace.Tracer, recorder *recordingExporter) {
	propagator := propagation.TraceContext{}
	var mu sync.Mutex // one request at a time, so each answer holds exactly its own spans
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		parent := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		_, span := tracer.Start(parent, "go-server", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		span.End()
		flushErr := provider.ForceFlush(r.Context())
		spans, failures := recorder.take()
		w.Header().Set("Content-Type", "application/json")
		if flushErr != nil || len(failures) > 0 {
			w.WriteHeader(http.StatusBadGateway)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"sdk": "go", "receivedTraceparent": r.Header.Get("traceparent"), "spans": describeAll(spans),
			"exportErrors": failures, "flushError": fmt.Sprint(flushErr),
		})
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]string{"listening": listener.Addr().String()})
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(listener) }()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	stdinClosed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	select {
	case <-stop:
	case <-stdinClosed:
	}
	shutdownCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = server.Shutdown(shutdownCtx)
	_ = provider.Shutdown(shutdownCtx)
}
