package main

// interop-client sample -endpoint 127.0.0.1:4317 -sampling-url http://127.0.0.1:5778/sampling
//     -service NAME -rates 'op-a=2000,op-b=20' -duration 20s
// starts root spans at the given rates per operation with the stock Jaeger remote sampler
// (go.opentelemetry.io/contrib/samplers/jaegerremote) polling Skein every 500 ms, exports the
// sampled ones over OTLP/gRPC, and prints one JSON line a second with the spans sampled per
// operation in that second.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/samplers/jaegerremote"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func sample(args []string) {
	fs := flag.NewFlagSet("sample", flag.ExitOnError)
	endpoint := fs.String("endpoint", "", "OTLP/gRPC endpoint host:port")
	samplingURL := fs.String("sampling-url", "", "Jaeger remote sampling URL (…/sampling)")
	service := fs.String("service", "go-sampled", "service.name")
	rates := fs.String("rates", "", "op=spans per second,…")
	duration := fs.Duration("duration", 20*time.Second, "how long to run")
	_ = fs.Parse(args)
	if *endpoint == "" || *samplingURL == "" || *rates == "" {
		fmt.Fprintln(os.Stderr, "-endpoint, -sampling-url and -rates are required")
		os.Exit(2)
	}
	perSecond := map[string]int{}
	for _, item := range strings.Split(*rates, ",") {
		name, value, ok := strings.Cut(item, "=")
		n, err := strconv.Atoi(value)
		if !ok || err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bad rate %q\n", item)
			os.Exit(2)
		}
		perSecond[name] = n
	}

	ctx := context.Background()
	exporter, err := newExporter(ctx, "grpc", *endpoint, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sampler := jaegerremote.New(*service,
		jaegerremote.WithSamplingServerURL(*samplingURL),
		jaegerremote.WithSamplingRefreshInterval(500*time.Millisecond),
		jaegerremote.WithInitialSampler(sdktrace.TraceIDRatioBased(1)),
	)
	defer sampler.Close()
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sampler),
		sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(100*time.Millisecond), sdktrace.WithMaxQueueSize(100000)),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", *service))),
	)
	tracer := provider.Tracer(scopeName)

	var mu sync.Mutex
	sampled := map[string]int{}
	var wg sync.WaitGroup
	deadline := time.Now().Add(*duration)
	for name, n := range perSecond {
		wg.Add(1)
		go func(name string, n int) {
			defer wg.Done()
			// Ticks of 10 ms, n/100 spans each (the remainder spread over the ticks).
			ticker := time.NewTicker(10 * time.Millisecond)
			defer ticker.Stop()
			owed := 0.0
			for now := range ticker.C {
				if now.After(deadline) {
					return
				}
				owed += float64(n) / 100
				for ; owed >= 1; owed-- {
					_, span := tracer.Start(ctx, name)
					if span.SpanContext().IsSampled() {
						mu.Lock()
						sampled[name]++
						mu.Unlock()
					}
					span.End()
				}
			}
		}(name, n)
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	encoder := json.NewEncoder(os.Stdout)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-ticker.C:
		}
		mu.Lock()
		_ = encoder.Encode(map[string]any{"sampled": sampled})
		sampled = map[string]int{}
		mu.Unlock()
	}
	_ = provider.ForceFlush(ctx)
	_ = provider.Shutdown(ctx)
}
