// The train section's transfer-learning settings: init_from (weights to start from), skip_mismatch, freeze.
import type { Expr } from '../../dsl/ast.ts';
import type { Span } from '../../dsl/diagnostics.ts';

/** What a train section says about starting from other weights and freezing layers. */
export interface TransferConfig {
  /** `init_from = "base.safetensors"`: loaded by name before training, as written (relative to the .dl file). */
  initFrom?: { path: string; span: Span };
  /** `skip_mismatch = true`: a tensor whose shape differs is left at its initial value instead of failing. */
  skipMismatch: boolean;
  /** `freeze = [conv_1, features]`: layer or binding names, where each was written. */
  freeze: { name: string; span: Span }[];
}

export const TRANSFER_KEYS = ['init_from', 'skip_mismatch', 'freeze'];

type Fail = (code: string, msg: string, span: Span) => void;

/** Reads one transfer setting into `cfg`. */
export function readTransferSetting(key: string, v: Expr, cfg: TransferConfig, fail: Fail): void {
  switch (key) {
    case 'init_from':
      if (v.kind !== 'str' || v.value === '') fail('E-TYPE', `train setting 'init_from': expected a file name in quotes, e.g. init_from = "base/weights.safetensors"`, v.span);
      else cfg.initFrom = { path: v.value, span: v.span };
      break;
    case 'skip_mismatch':
      if (v.kind !== 'bool') fail('E-TYPE', `train setting 'skip_mismatch': expected true or false`, v.span);
      else cfg.skipMismatch = v.value;
      break;
    case 'freeze': {
      const items = v.kind === 'list' ? v.items : [v];
      for (const it of items) {
        const name = it.kind === 'ident' ? it.name : it.kind === 'str' ? it.value : undefined;
        if (name === undefined) { fail('E-TYPE', `train setting 'freeze': expected layer names, e.g. freeze = [conv_1, features]`, it.span); continue; }
        if (cfg.freeze.some((f) => f.name === name)) { fail('E-DUPLICATE', `train setting 'freeze' names '${name}' twice`, it.span); continue; }
        cfg.freeze.push({ name, span: it.span });
      }
      break;
    }
  }
}
