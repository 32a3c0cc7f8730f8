// The two writes of the metrics history, shared by the service and `npm run bench:metrics`
// (which runs them from the built server, so the bench measures exactly what runs).

/**
 * Adds minute totals to `device_metric_1m`: $1 device ids, $2 bucket starts (epoch ms),
 * $3.. the totals. A bucket another process already wrote is added to, not replaced.
 */
export const MINUTE_UPSERT_SQL = `INSERT INTO device_metric_1m AS m
  (device_id, bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, disk_max, load_sum)
SELECT u.device_id, to_timestamp(u.bucket / 1000.0), u.samples, u.cpu_sum, u.cpu_max,
  u.mem_sum, u.mem_max, u.disk_max, u.load_sum
FROM unnest($1::uuid[], $2::float8[], $3::int[], $4::real[], $5::real[], $6::real[],
  $7::real[], $8::real[], $9::real[])
  AS u(device_id, bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, disk_max, load_sum)
ON CONFLICT (device_id, bucket) DO UPDATE SET samples = m.samples + EXCLUDED.samples,
  cpu_sum = m.cpu_sum + EXCLUDED.cpu_sum, cpu_max = greatest(m.cpu_max, EXCLUDED.cpu_max),
  mem_sum = m.mem_sum + EXCLUDED.mem_sum, mem_max = greatest(m.mem_max, EXCLUDED.mem_max),
  disk_max = greatest(m.disk_max, EXCLUDED.disk_max),
  load_sum = m.load_sum + EXCLUDED.load_sum`;

/**
 * Rolls the minutes of the quarter starting at $1 into `device_metric_15m`. Recomputed from
 * the minutes, so rolling a quarter again gives the same rows.
 */
export const QUARTER_ROLLUP_SQL = `INSERT INTO device_metric_15m AS q
  (device_id, bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, disk_max, load_sum)
SELECT device_id, $1::timestamptz, sum(samples), sum(cpu_sum), max(cpu_max),
  sum(mem_sum), max(mem_max), max(disk_max), sum(load_sum)
FROM device_metric_1m
WHERE bucket >= $1::timestamptz AND bucket < $1::timestamptz + interval '15 minutes'
GROUP BY device_id
ON CONFLICT (device_id, bucket) DO UPDATE SET samples = EXCLUDED.samples,
  cpu_sum = EXCLUDED.cpu_sum, cpu_max = EXCLUDED.cpu_max, mem_sum = EXCLUDED.mem_sum,
  mem_max = EXCLUDED.mem_max, disk_max = EXCLUDED.disk_max, load_sum = EXCLUDED.load_sum`;

/**
 * One device's points over [$2, $3) from a bucket table: the device page's chart. On the
 * quarter table an index-only scan of its primary key, which carries the value columns.
 */
export const seriesSql = (table: 'device_metric_1m' | 'device_metric_15m') =>
  `SELECT bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, disk_max, load_sum
FROM ${table}
WHERE device_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`;
