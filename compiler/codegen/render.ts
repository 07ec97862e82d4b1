// Codegen's one entry point: a KernelSpec in, the kernel's complete WGSL out. Pure: no graph, no
// device, nothing but the spec and the expression trees in it.
import type { KernelSpec, Template } from '../ir/kernel-spec.ts';
import { affineBody } from './wgsl/augment-affine.ts';
import { augmentBody } from './wgsl/augment.ts';
import { BATCH_STRUCT, commentText, DISPATCH_STRUCT, STEP_STRUCT, WGSL_TYPE } from './wgsl/common.ts';
import { convBody } from './wgsl/conv.ts';
import { cropBody, resizeBody } from './wgsl/crop.ts';
import { conv2dInt8Body } from './wgsl/conv-int8.ts';
import { elementwiseBody } from './wgsl/elementwise.ts';
import { gatherBody, idBucketsBody, scatterAddBody } from './wgsl/gather.ts';
import { lossHeadBody } from './wgsl/loss-head.ts';
import { matmulBody } from './wgsl/matmul.ts';
import { matmulInt8Body } from './wgsl/matmul-int8.ts';
import { tiledMatmulBody } from './wgsl/matmul-tiled.ts';
import { sumToBody } from './wgsl/reduce.ts';
import { rowsBody } from './wgsl/rows.ts';
import { axisCopyBody, poolBody, transposeBody, upsampleBody } from './wgsl/spatial.ts';
import type { TemplateContext } from './wgsl/template.ts';
import { accumulateBody, emaBody, updateBody } from './wgsl/update.ts';

/** The name the step uniform block is bound as. */
const STEP = 'step_params';
/** The name the per-dispatch uniform block is bound as. */
const PARAMS = 'dispatch_params';
/** The name the batch uniform block of inference kernels is bound as. */
const BATCH = 'batch_params';

function body(t: Template, cx: TemplateContext): string {
  switch (t.kind) {
    case 'elementwise': return elementwiseBody(t, cx);
    case 'matmul': return t.shared ? tiledMatmulBody(t, t.shared.BK, cx) : t.quantB?.activations ? matmulInt8Body(t, cx) : matmulBody(t, cx);
    case 'conv2d': case 'conv2d_bwd_input': case 'conv2d_bwd_filter': return t.kind === 'conv2d' && t.quantB?.activations ? conv2dInt8Body(t, cx) : convBody(t, cx);
    case 'maxpool2d': case 'avgpool2d': case 'maxpool2d_bwd': case 'maxpool2d_bwd_tiled': case 'avgpool2d_bwd': return poolBody(t, cx);
    case 'upsample': case 'upsample_bwd': case 'upsample_bilinear': case 'upsample_bilinear_bwd': return upsampleBody(t, cx);
    case 'concat': case 'slice': case 'slice_bwd': return axisCopyBody(t, cx);
    case 'transpose': return transposeBody(t, cx);
    case 'gather': return gatherBody(t, cx);
    case 'id_buckets': return idBucketsBody(t, cx);
    case 'scatter_add': return scatterAddBody(t, cx);
    case 'random_flip': case 'random_translation': case 'cutout': return augmentBody(t, cx);
    case 'random_rotation': case 'random_zoom': return affineBody(t, cx);
    case 'random_crop': return cropBody(t, cx);
    case 'resize_bilinear': case 'resize_bilinear_bwd': return resizeBody(t, cx);
    case 'sum_to': return sumToBody(t, cx);
    case 'rows': return rowsBody(t, cx);
    case 'loss_head': return lossHeadBody(t);
    case 'update': return updateBody(t, cx);
    case 'ema': return emaBody(t, cx);
    case 'accumulate': return accumulateBody(t);
  }
}

/**
 * The kernel's WGSL: a comment line (the only text from the user's file, kept to printable ASCII on
 * one line so a file name with a newline cannot end the comment and inject code), the bindings in
 * order, the step block after them (then the batch block of inference kernels), then the template's helper functions and `main`.
 */
export function renderKernel(spec: KernelSpec): string {
  const lines = spec.bindings.map((d, k) => `@group(0) @binding(${k}) var<storage, ${d.access}> ${d.name}: array<${d.vec4 ? 'vec4f' : WGSL_TYPE[d.dtype]}>;`);
  let next = spec.bindings.length;
  if (spec.step) lines.push(`${STEP_STRUCT}\n@group(0) @binding(${next++}) var<uniform> ${STEP}: StepParams;`);
  if (spec.params) lines.push(`${DISPATCH_STRUCT}\n@group(0) @binding(${next++}) var<uniform> ${PARAMS}: DispatchParams;`);
  if (spec.batch) lines.push(`${BATCH_STRUCT}\n@group(0) @binding(${next}) var<uniform> ${BATCH}: BatchParams;`);
  const cx: TemplateContext = {
    workgroups: spec.workgroups, ...(spec.step ? { step: STEP } : {}), ...(spec.params ? { params: PARAMS } : {}),
    ...(spec.batch ? { batch: { max: spec.batch.max, name: `${BATCH}.n` } } : {}),
  };
  // An f16 binding (dlc export --precision f16) needs the shader-f16 feature's directive, first.
  const enable = spec.bindings.some((d) => d.dtype === 'f16') ? 'enable f16;\n' : '';
  return `// ${commentText(spec.comment)}\n${enable}${lines.join('\n')}\n${body(spec.template, cx)}\n`;
}
