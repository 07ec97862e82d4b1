// Every layer the language knows, by name.
import { DENSE_LAYERS, type LayerDef } from './layers.ts';
import { ATTENTION_LAYERS } from './layers-attention.ts';
import { AUGMENT_LAYERS } from './layers-augment.ts';
import { CONV_LAYERS } from './layers-conv.ts';
import { RECURRENT_LAYERS } from './layers-recurrent.ts';
import { SEQUENCE_LAYERS } from './layers-sequence.ts';
import { SPATIAL_LAYERS } from './layers-spatial.ts';

export const LAYERS: Record<string, LayerDef> = { ...DENSE_LAYERS, ...SPATIAL_LAYERS, ...CONV_LAYERS, ...RECURRENT_LAYERS, ...SEQUENCE_LAYERS, ...ATTENTION_LAYERS, ...AUGMENT_LAYERS };
