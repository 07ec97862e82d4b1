// What every template body gets besides its own parameters.

export interface TemplateContext {
  /** The dispatch grid (flat indices depend on whether it spilled into y). */
  workgroups: readonly number[];
  /** Name of the step uniform block, when the kernel binds it. */
  step?: string;
  /** Name of the per-dispatch uniform block (fields p0 … p3), when the kernel binds it. */
  params?: string;
  /**
   * Inference kernels: `name` is the WGSL expression of the batch the runtime sets, and the template's
   * counts that scale with the batch were computed for `max` samples (see batchCount).
   */
  batch?: { max: number; name: string };
}
