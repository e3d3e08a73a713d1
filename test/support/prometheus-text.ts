import { createRequire } from 'node:module';

/** One sample of a metric family, as prom2json writes it (values are strings, as in the text). */
export interface PrometheusSample {
  labels?: Record<string, string>;
  value?: string;
  /** Histograms: cumulative count per upper bound (`le`), and their count and sum. */
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface PrometheusFamily {
  name: string;
  help: string;
  /** COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED */
  type: string;
  metrics: PrometheusSample[];
}

// A CommonJS package without type declarations.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => PrometheusFamily[];

/** Parses a scrape with a Prometheus text format parser (not ours): the metric families by name. */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  return new Map(parse(text).map((family) => [family.name, family]));
}

/**
 * The value of the sample of `name` whose labels include `labels` (a histogram's count), 0 when there
 * is none: a counter that never counted has no sample.
 */
export function sampleValue(
  families: Map<string, PrometheusFamily>,
  name: string,
  labels: Record<string, string>,
): number {
  const sample = families
    .get(name)
    ?.metrics.find((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value));
  return sample ? Number(sample.value ?? sample.count) : 0;
}
