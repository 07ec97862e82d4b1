// Durations as people read them: milliseconds below a second ("42 ms", never "0.0s"), tenths of a
// second below a minute, then minutes and seconds.

/** "< 1 ms", "42 ms", "3.4 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!(seconds >= 0.0005)) return '< 1 ms';
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) return `${ms} ms`;
  if (Math.round(seconds * 10) < 600) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
  return wholeMinutes(Math.round(seconds));
}

/** An estimate to the whole second, rounded up: "7 s", "2 min 05 s". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return s < 60 ? `${s} s` : wholeMinutes(s);
}

function wholeMinutes(total: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (total < 3600) return `${Math.floor(total / 60)} min ${pad(total % 60)} s`;
  return `${Math.floor(total / 3600)} h ${pad(Math.floor((total % 3600) / 60))} min`;
}
