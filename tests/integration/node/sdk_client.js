#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
//
// A peer instrumented with the official OpenTelemetry JS SDK, for spantap's
// integration test 75-otel-sdk.bats.
//
//   node sdk_client.js TARGET_URL OTLP_TRACES_URL
//
// Sets service.name "node-sdk-client", registers the SDK's http
// instrumentation before http is required, makes ONE plain
// http.get(TARGET_URL) (the SDK makes a CLIENT span for it and injects a W3C
// traceparent header), reads the whole response, exports the spans as
// OTLP/HTTP JSON to OTLP_TRACES_URL and waits for the export to be answered.
// Then prints one JSON line on stdout:
//
//   {"status": 200, "trace_id": "<32 hex>", "span_id": "<16 hex>"}
//
// where the ids are those of the CLIENT span of that request, taken from the
// batch the exporter sent and the collector accepted. Exits 0 then, non-zero
// (with the reason on stderr) on any error: bad arguments, request failed,
// export failed or refused, no client span exported, or the whole run took
// longer than DEADLINE_MS.

'use strict';

const DEADLINE_MS = 30000;

function die(msg) {
	process.stderr.write(`sdk_client: ${msg}\n`);
	process.exit(1);
}

if (process.argv.length !== 4) {
	die('usage: node sdk_client.js TARGET_URL OTLP_TRACES_URL');
}
const [targetUrl, otlpUrl] = process.argv.slice(2);
for (const u of [targetUrl, otlpUrl]) {
	let p;
	try {
		p = new URL(u);
	} catch (e) {
		die(`not a URL: ${u}`);
	}
	if (p.protocol !== 'http:') die(`only http:// URLs: ${u}`);
}

// A bound on the whole run, not a wait: every step below is awaited, this
// only turns a hang into a clear failure. Not unref()ed, so a promise that
// never settles cannot end the process with status 0 either: the run ends
// only through process.exit below or die().
setTimeout(() => die(`gave up after ${DEADLINE_MS} ms`), DEADLINE_MS);

const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { ExportResultCode } = require('@opentelemetry/core');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ATTR_SERVICE_NAME } = require('@opentelemetry/semantic-conventions');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

// the SDK's own warnings and errors (a refused export, say) go to stderr
api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.WARN);

// Wraps the OTLP exporter to learn which spans the collector accepted: the
// ids printed are those of a span that was really exported, not of one the
// SDK merely created.
class RecordingExporter {
	constructor(inner) {
		this.inner = inner;
		this.exported = []; // spans of batches answered with success
		this.failures = []; // errors of batches that were not
	}

	export(spans, resultCallback) {
		this.inner.export(spans, (result) => {
			if (result.code === ExportResultCode.SUCCESS) {
				this.exported.push(...spans);
			} else {
				this.failures.push(result.error || new Error('export failed'));
			}
			resultCallback(result);
		});
	}

	forceFlush() {
		return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
	}

	shutdown() {
		return this.inner.shutdown();
	}
}

// The exporter as it ships: OTLP/HTTP JSON, its body sent chunked
const exporter = new RecordingExporter(new OTLPTraceExporter({ url: otlpUrl }));
const provider = new NodeTracerProvider({
	resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'node-sdk-client' }),
	spanProcessors: [new BatchSpanProcessor(exporter)],
});
// global tracer provider, AsyncLocalStorage context manager and the W3C
// trace-context propagator that writes the traceparent header
provider.register();

registerInstrumentations({
	tracerProvider: provider,
	instrumentations: [
		new HttpInstrumentation({
			// the exporter's own POSTs run with tracing suppressed already;
			// this keeps them out even if that changes
			ignoreOutgoingRequestHook: (req) => String(req.port || '') === new URL(otlpUrl).port &&
				(req.path || '').startsWith(new URL(otlpUrl).pathname),
		}),
	],
});

// only now: the instrumentation patches http when it is loaded
const http = require('http');

function get(url) {
	return new Promise((resolve, reject) => {
		const req = http.get(url, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
			res.on('error', reject);
		});
		req.on('error', reject);
	});
}

async function main() {
	const res = await get(targetUrl);
	// the CLIENT span ends with the response; flush exports it and waits
	// for the collector's answer (it rejects when the export failed)
	await provider.forceFlush();
	await provider.shutdown();
	if (exporter.failures.length > 0) {
		throw new Error(`export to ${otlpUrl} failed: ${exporter.failures.map(String).join('; ')}`);
	}
	const target = new URL(targetUrl);
	const clients = exporter.exported.filter((s) => s.kind === api.SpanKind.CLIENT &&
		String(s.attributes['server.port'] ?? s.attributes['net.peer.port'] ?? '') === target.port);
	if (clients.length !== 1) {
		throw new Error(`expected 1 exported CLIENT span for ${targetUrl}, got ${clients.length} ` +
			`(of ${exporter.exported.length} exported)`);
	}
	const ctx = clients[0].spanContext();
	process.stdout.write(JSON.stringify({ status: res.status, trace_id: ctx.traceId, span_id: ctx.spanId }) + '\n');
}

main().then(
	() => process.exit(0),
	(err) => die(err && err.stack ? err.stack : String(err)),
);
