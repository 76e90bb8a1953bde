// Kernels for the WASM backend of TensorFlow.js 4.22, composed from kernels
// it has. It lacks Conv2DBackpropFilter, so a convolution's weights could not
// be trained there, and its Conv2DBackpropInput is a plain loop several times
// slower than its forward convolution. The CPU backend's Conv2DBackpropFilter
// takes over a second per 3×3 layer on a batch of 64 28×28 images (measured
// on a 2-core EPYC), which would make `--model conv` unusable on stream.

import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

type KernelArgs = { inputs: NamedTensorInfoMap; backend: tf.KernelBackend; attrs: NamedAttrMap };

/** Kernels the WASM backend lacks, registered unless a later TensorFlow.js has them. */
export const WASM_KERNEL_SHIMS: readonly KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as KernelFunc },
];

/** The WASM backend's own Conv2DBackpropInput, for the cases the faster one does not cover. */
let nativeConv2DBackpropInput: KernelConfig | null = null;

/**
 * Registers each missing kernel, and replaces Conv2DBackpropInput with a
 * version that runs stride-1 cases as a forward convolution. Calling it again
 * changes nothing, and a missing kernel that someone else registered stays.
 */
export function registerWasmKernelShims(): void {
  for (const config of WASM_KERNEL_SHIMS) {
    if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
  }

  const current = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!current || current.kernelFunc === (conv2DBackpropInput as unknown as KernelFunc)) return;
  nativeConv2DBackpropInput = current;
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ ...current, kernelFunc: conv2DBackpropInput as unknown as KernelFunc });
}

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Computes the gradient of a 2-D convolution with respect to its filter,
 *
 *   dW[i, j, c, f] = Σ over n, y, x of input[n, y·s + i - padTop, x·s + j - padLeft, c] · dy[n, y, x, f],
 *
 * as one forward convolution with the roles swapped: the input's channels
 * become the batch, its batch becomes the channels, and dy (batch moved
 * inward) becomes a filter dilated by the stride. The result is cropped to
 * the filter size and transposed back to [height, width, in, out].
 */
function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on the WASM backend supports dataFormat NHWC only, got ${attrs.dataFormat}`);
  }

  const [filterHeight, filterWidth, inChannels, outChannels] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const kernels = new KernelRunner(args.backend);

  const channelsAsBatch = kernels.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyAsFilter = kernels.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const full = kernels.run(
    'Conv2D',
    { x: channelsAsBatch, filter: dyAsFilter },
    {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
    },
  );

  // The padded input can extend past the last stride's window. Those rows and columns are not part of dW.
  const cropped =
    full.shape[1] === filterHeight && full.shape[2] === filterWidth
      ? full
      : kernels.run('Slice', { x: full }, { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] });
  const dw = kernels.run('Transpose', { x: cropped }, { perm: [1, 2, 0, 3] });

  kernels.disposeAllBut(dw);
  return dw;
}

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * Computes the gradient of a stride-1 2-D convolution with respect to its
 * input as a forward convolution of dy. The filter is rotated by 180° with
 * its in and out channels swapped, and dy is padded by (filter size - 1 -
 * forward padding) on each side. Other cases, such as a transposed
 * convolution with stride 2, go to the WASM backend's own kernel.
 */
function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const [filterHeight, filterWidth] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const padding: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [filterHeight - 1 - info.padInfo.top, filterHeight - 1 - info.padInfo.bottom],
    [filterWidth - 1 - info.padInfo.left, filterWidth - 1 - info.padInfo.right],
    [0, 0],
  ];
  const covered = attrs.dataFormat === 'NHWC' && info.strideHeight === 1 && info.strideWidth === 1 && padding.flat().every((size) => size >= 0);
  if (!covered) return nativeConv2DBackpropInput!.kernelFunc(args) as TensorInfo;

  const kernels = new KernelRunner(args.backend);
  const rotated = kernels.run('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = kernels.run('Transpose', { x: rotated }, { perm: [0, 1, 3, 2] });
  const dx = kernels.run('Conv2D', { x: dy, filter: swapped }, { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [1, 1] });
  kernels.disposeAllBut(dx);
  return dx;
}

/** Runs other kernels of the same backend from inside a kernel, and releases their intermediate outputs. */
class KernelRunner {
  private readonly outputs: TensorInfo[] = [];

  constructor(private readonly backend: tf.KernelBackend) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    // TensorFlow.js's own wording, which the preflight recognises as a missing kernel.
    if (!kernel) throw new Error(`Kernel '${kernelName}' not registered for backend 'wasm'`);
    const output = kernel.kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.outputs.push(output);
    return output;
  }

  disposeAllBut(result: TensorInfo): void {
    for (const output of this.outputs) {
      if (output !== result) this.backend.disposeData(output.dataId);
    }
  }
}
