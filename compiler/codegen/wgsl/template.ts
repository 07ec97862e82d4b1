// What every template body gets besides its own parameters.

export interface TemplateContext {
  /** The dispatch grid (flat indices depend on whether it spilled into y). */
  workgroups: readonly number[];
  /** Name of the step uniform block, when the kernel binds it. */
  step?: string;
}
