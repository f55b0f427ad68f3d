/**
 * webgpu-cnn for the browser: the public API, nothing else.
 * Node users import from `webgpu-cnn/node`, which adds Dawn.
 *
 * @example
 * import { createGpuContext, GraphBuilder, compile } from 'webgpu-cnn';
 * const ctx = await createGpuContext();
 * const g = new GraphBuilder();
 * const x = g.input('image', [1, 1, 28, 28]);
 * g.output(g.linear(g.flatten(g.relu(g.conv2d(x, { name: 'conv', outChannels: 8, kernel: 3 }))), { name: 'fc', outFeatures: 10 }));
 * const model = await compile(ctx, g.build(), weights);   // weights: Map<name, Float32Array>, PyTorch layouts
 * const logits = await model.predict(image);               // Float32Array
 */
export { createGpuContext, adoptDevice } from './gpu/device.js';
export type { GpuContext, GpuAdapterDescription, CreateGpuContextOptions } from './gpu/device.js';
export { createTensorBuffer, readTensor } from './gpu/buffers.js';
export { GraphBuilder } from './graph/builder.js';
export type { Tensor, Conv2dOptions, PoolOptions, LinearOptions, LrnOptions, ActivationOptions, PadOptions, SliceOptions, ReduceMeanOptions } from './graph/builder.js';
export type { ConvTranspose2dOptions } from './graph/builder.js';
export type { ArgReduceOptions, TopKOptions } from './graph/builder.js';
export type { Graph, GraphNode, ParameterInfo, Shape, TensorInfo, WeightMap, ElementType } from './graph/ir.js';
export { summary, formatSummary } from './graph/summary.js';
export type { GraphSummary, LayerSummary } from './graph/summary.js';
export { compile, CompiledModel } from './graph/executor.js';
export type { CompileOptions, RunOptions, RunResult, OutputData, TensorInput, Profile, NodeTiming, ModelInfo } from './graph/executor.js';
export type { StrategyChoice } from './graph/passes/index.js';
export { hasNonFinite, describeNonFinite } from './graph/check_finite.js';
export type { FiniteReport, FiniteCount } from './graph/check_finite.js';
export type { ConvStrategyName, Activation, ActivationParams, BinaryOp, LrnConvention } from './vocabulary.js';
export { GEMM_TILE_NAMES } from './kernels/gemm.js';
export type { GemmTileName } from './kernels/gemm.js';
export { parseIdx } from './io/idx.js';
export type { IdxTensor } from './io/idx.js';
export { parseSafetensors, readSafetensors, loadSafetensors, writeSafetensors, isNumBatchesTracked, SafetensorsFile } from './io/safetensors.js';
export type {
  SafetensorsDtype,
  SafetensorsFloatDtype,
  SafetensorsEntry,
  Float32Tensor,
  ReadSafetensorsOptions,
  LoadProgress,
  LoadSafetensorsOptions,
  WritableTensor,
} from './io/safetensors.js';
export { weightsForGraph } from './models/weights.js';
export type { WeightsForGraphOptions, ShapedTensor } from './models/weights.js';
export {
  WebGpuCnnError,
  WebGpuUnavailableError,
  InvalidParameterError,
  UnsupportedConfigurationError,
  BindingLimitError,
  ShaderError,
  GraphError,
  WeightError,
  InputError,
  OutputTypeError,
  DisposedError,
  DeviceLostError,
  AbortError,
  SafetensorsError,
  OnnxFormatError,
  UnsupportedOnnxError,
  GpuFailureError,
  GpuOutOfMemoryError,
  GpuValidationError,
  GpuInternalError,
  formatBytes,
} from './errors.js';
export type { GpuFailureSite } from './errors.js';
export { parseOnnx } from './onnx/import.js';
export type { OnnxModel, ParseOnnxOptions } from './onnx/import.js';
export { loadOnnx } from './onnx/load.js';
export { DEFAULT_MATERIALIZE_LIMITS } from './onnx/budget.js';
export type { MaterializeLimits } from './onnx/budget.js';
export type { LoadOnnxOptions } from './onnx/load.js';
export { ZOO, zooModel } from './models/zoo.js';
export type { ZooEntry } from './models/zoo.js';
export { loadPretrainedWeights, pretrainedWeightsUrl, imagenetLabels, PRETRAINED_IDS } from './models/pretrained.js';
export type { PretrainedId, LoadPretrainedOptions } from './models/pretrained.js';
export type { ModelOptions } from './models/options.js';
export { randomWeights } from './models/random_weights.js';
export { lenet5, lenet5Input, LENET5_PREPROCESSING } from './models/lenet.js';
export { alexnet, alexnetOriginal } from './models/alexnet.js';
export { vgg11, vgg13, vgg16, vgg19, vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn } from './models/vgg.js';
export { resnet18, resnet34, resnet50, resnet101, resnet152 } from './models/resnet.js';
export { googlenet, GOOGLENET_AUX_PREFIXES } from './models/googlenet.js';
export { mobilenetV1, mobilenetV2 } from './models/mobilenet.js';
export { efficientnet, efficientnetB0, efficientnetB1, efficientnetB2, efficientnetB3, efficientnetB4, efficientnetB5, efficientnetB6, efficientnetB7 } from './models/efficientnet.js';
export { unet, UNET_DEFAULTS } from './models/unet.js';
export type { UNetOptions } from './models/unet.js';
export { styleTransfer, STYLE_TRANSFER_DEFAULTS } from './models/style_transfer.js';
export type { StyleTransferOptions } from './models/style_transfer.js';
export { imageToTensor } from './kernels/image_to_tensor.js';
export type { ImageToTensorParams, PackedImage, Rect } from './kernels/image_to_tensor.js';
export { resizeCenterCropRect, centerSquareRect, IMAGENET_NORMALIZATION } from './image/preprocessing.js';
export { ImageFrame } from './image/frame.js';
export { digitToTensor, placeDigit } from './image/digit.js';
export type { DigitPlacement, DigitToTensorOptions } from './image/digit.js';
export { createClassifier, Classifier } from './image/classifier.js';
export type { ClassifierOptions, ClassifyOptions, Classification, WithHeadOptions, ClassifierSource, WeightsSource, ImageInput, ImageDataLike } from './image/classifier.js';
// transfer learning: a head on a frozen backbone, composed as one model; a kNN head; head files
// PROBABILITIES_OUTPUT ('probabilities') is exported once, from image/multi_crop.ts; compose.ts names its softmax output the same
export { composeHead, composedWeights, checkHead, LOGITS_OUTPUT } from './train/compose.js';
export type { ComposeHeadOptions } from './train/compose.js';
export type { ClassifierHead, DenseLayer, DenseActivation } from './train/head.js';
export { knnHead, composeKnn, classifyKnn, knnVote, knnVotes, checkKnnHead, SIMILARITIES_OUTPUT, NEIGHBOURS_OUTPUT, KNN_LAYER } from './train/knn.js';
export type { KnnHead, KnnHeadOptions, KnnClassification } from './train/knn.js';
export { saveHead, loadHead, loadKnnHead, HEAD_METADATA_KEY, HEAD_FORMAT_VERSION } from './train/head_file.js';
export { preprocessImage } from './image/preprocess.js';
export type { PreprocessImageOptions } from './image/preprocess.js';
export { imagenetRecipe, IMAGENET_PREPROCESSING, MNIST_DIGIT_PREPROCESSING, cropCanvasRecipe, DIGIT_CROP_MARGIN } from './image/recipe.js';
export { cropRects, cropGrid } from './image/crops.js';
export type { CropRect, CropSet, Size } from './image/crops.js';
export { multiCropGraph, PROBABILITIES_OUTPUT } from './image/multi_crop.js';
export { ensembleGraph, ensembleWeights } from './image/ensemble_graph.js';
export type { EnsembleGraphOptions } from './image/ensemble_graph.js';
export { createEnsembleClassifier } from './image/ensemble.js';
export type { EnsembleMember, EnsembleOptions } from './image/ensemble.js';
export type { ImageRecipe, ImageFit } from './image/recipe.js';
export { topK, softmax, rankProbabilities } from './image/top_k.js';
export type { ClassScore } from './image/top_k.js';
export { ImageDecodeError } from './image/image_error.js';
export type { ImageDecodeReason } from './image/image_error.js';
export { MAX_IMAGE_PIXELS, MAX_IMAGE_FILE_BYTES } from './image/image_limits.js';
export { exportOnnx, EXPORT_OPSET } from './onnx/export.js';
export type { ExportOnnxOptions } from './onnx/export.js';
export { memoryAutotuneStore, localStorageAutotuneStore, setDefaultAutotuneStore, defaultAutotuneStore, adapterKey, shapeKey } from './autotune/store.js';
export type { AutotuneStore, AutotuneDocument, TunedChoice } from './autotune/store.js';
export type { AutotuneOptions, AutotuneReport, TunedLayer } from './autotune/autotune.js';
export { Augmenter, augmentBatch } from './train/augment.js';
export type { AugmentBatchInput, AugmentGeometry, AugmentSample, AugmentOptions, CropOptions } from './train/augment.js';
export { pcaColourBasis, pcaOffset, symmetricEigen3 } from './train/augment_pca.js';
export type { PcaColourBasis, Matrix3 } from './train/augment_pca.js';
export { drawAugmentSamples, checkAugmentOptions } from './train/augment_draw.js';
export { SeededRandom } from './train/random.js';
export { trainHead } from './train/trainer.js';
export type { TrainingData, TrainHeadOptions, TrainHeadResult, TrainProgress } from './train/trainer.js';
export { trainHeadOnImages } from './train/trainer_images.js';
export type { TrainingImages, TrainHeadOnImagesOptions } from './train/trainer_images.js';
export type { OptimizerOptions, AdamOptions, SgdOptions } from './train/optimizer.js';
export { epochOrder, initDenseLayer } from './train/trainer_shuffle.js';
export { extractFeatures } from './train/features.js';
export type { ExtractFeaturesOptions } from './train/features.js';
export { featureLayer, cutBackbone, unfrozenLayers } from './train/backbone.js';
