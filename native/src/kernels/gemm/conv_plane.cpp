// The plane forward pass and filter gradient (kernels/gemm/conv_plane.h): the portable drivers around the tiers'
// tiles. Per image: the shifted input planes, then every tile over them: forward, (channel block, pixel run)
// tiles writing y; filter gradient, (channel block, tap group) tiles over all of the image's pixels, each adding its
// lanes' partial sums into the image chunk's accumulators. Reference kernels: conv2d_forward_ref
// (kernels/ref/conv2d_ref.cpp), conv2d_backward_filter_ref (kernels/ref/conv2d_backward_ref.cpp).
#include "kernels/gemm/conv_plane.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "core/context.h"

namespace cnn {

namespace {

// The batch is summed in at most kChunks chunks of consecutive images, each by one thread into its own
// accumulators, then the chunks in order: a function of N only, so the bits do not depend on the thread count.
constexpr int64_t kChunks = 8;
// One image's shifted planes at most (256 KiB): they stay in L2 while its tiles run.
constexpr int64_t kMaxPlaneFloats = int64_t{1} << 16;
// Below this many multiply-adds per thread a second thread costs more than it saves.
constexpr double kMinMultiplyAddsPerThread = 1048576.0;
// Where the plane tiles beat the direct ones (see the choice below): taps per output channel, output pixels per
// plane, images.
constexpr int64_t kMaxPlaneTaps = 32;
constexpr int64_t kMinPlanePixels = 128;
constexpr int64_t kMinPlaneImages = 4;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// The shifted planes of one image: one per (input channel, kx), each `rows` rows of OW floats and then zeros to
// `plane` floats.
struct Planes {
  int64_t rows;   // OH + KH - 1
  int64_t plane;  // floats per shifted plane, at least one vector more than rows * OW
};

Planes planes_of(const Conv2dGeometry& g) {
  const int64_t rows = g.oh + g.kh - 1;
  return {rows, round_up(rows * g.ow + 16, 16)};
}

// The first output channel of block `block` of `per_block` channels: the last block is moved back to end at OC - 1
// (it overlaps the one before it when OC is not a multiple of the block; the forward pass writes the same bits there,
// the filter gradient reads those rows from it alone).
int64_t block_channel(int64_t block, int64_t per_block, int64_t oc) {
  return std::min(block * per_block, oc - per_block);
}

// Where each tap (c, ky, kx) reads in one image's shifted planes, relative to the output pixel.
void tap_offsets(const Conv2dGeometry& g, const Planes& planes, int64_t* offsets) {
  for (int64_t t = 0; t < g.c * g.kh * g.kw; ++t) {
    const int64_t c = t / (g.kh * g.kw), ky = t / g.kw % g.kh, kx = t % g.kw;
    offsets[t] = (c * g.kw + kx) * planes.plane + ky * g.ow;
  }
}

// The fixed parts of one call.
struct PlanePass {
  const ConvPlaneKernel& k;
  const Conv2dGeometry& g;
  Planes planes;
  int64_t taps, groups, blocks, pixels;
  const int64_t* offsets;  // per tap, into the image's planes
};

// Every (channel block, tap group) tile over one image's planes and dy, into `acc`
// ([blocks * channels][taps][width]). The last block is moved back to end at the last channel (it overlaps the one
// before it when OC is not a multiple of the block; those rows of acc are read from it alone). `next_dy`, when
// given, is pulled into L2 a slice per tile.
void plane_image(const PlanePass& s, const float* planes, const float* dy, const float* next_dy, float* acc) {
  const Conv2dGeometry& g = s.g;
  const int64_t cb = s.k.channels;
  const int64_t dy_size = g.oc * s.pixels;
  const int64_t items = s.blocks * s.groups;
  const int64_t span = round_up((dy_size + items - 1) / items, 16);  // floats of next_dy to prefetch per tile
  const float* x[8];
  ConvPlaneFilterArgs args{};
  args.pixels = s.pixels;
  args.dy_stride = s.pixels;
  args.x = x;
  args.acc_stride = s.taps;
  for (int64_t item = 0; item < items; ++item) {
    const int64_t block = item / s.groups, group = item % s.groups;
    const int64_t first = group * s.taps / s.groups, last = (group + 1) * s.taps / s.groups;
    for (int64_t t = first; t < last; ++t) x[t - first] = planes + s.offsets[t];
    const int64_t channel = block_channel(block, cb, g.oc);
    args.dy = dy + channel * s.pixels;
    args.acc = acc + (block * cb * s.taps + first) * s.k.width;
    const int64_t at = item * span;
    args.prefetch = next_dy != nullptr && at < dy_size ? next_dy + at : nullptr;
    args.prefetch_floats = args.prefetch != nullptr ? std::min(span, dy_size - at) : 0;
    s.k.filter[last - first - 1](args);
  }
}


// Forward items [begin, end) of one image's planes, item = block * runs + run (a run: forward_vectors vectors of
// pixels, the last one shorter).
void forward_items(const ConvPlaneKernel& k, const ConvPlaneForwardArgs& base, const Conv2dGeometry& g,
                   const float* packed_w, const float* bias, const float* planes, float* y, int64_t runs,
                   int64_t begin, int64_t end) {
  const int64_t pixels = g.oh * g.ow;
  const int64_t run_pixels = k.forward_vectors * k.width;
  ConvPlaneForwardArgs args = base;
  for (int64_t block = begin / runs; block * runs < end; ++block) {
    const int64_t channel = block_channel(block, k.forward_channels, g.oc);
    args.weights = packed_w + block * base.taps * k.forward_channels;
    args.bias = bias != nullptr ? bias + channel : nullptr;
    const int64_t stop = std::min(runs, end - block * runs);
    for (int64_t run = std::max<int64_t>(0, begin - block * runs); run < stop; ++run) {
      const int64_t first = run * run_pixels;
      args.planes = planes + first;
      args.pixels = std::min(run_pixels, pixels - first);
      args.y = y + channel * pixels + first;
      k.forward[(args.pixels + k.width - 1) / k.width - 1](args);
    }
  }
}

}  // namespace

void conv2d_forward_plane(const ConvPlaneKernel& k, cnn_context& ctx, const Conv2dGeometry& g, const float* x,
                          const float* w, const float* bias, bool relu, float* y) {
  const int64_t pixels = g.oh * g.ow;
  if (g.n == 0 || pixels == 0) return;
  const int64_t taps = g.c * g.kh * g.kw;
  const Planes planes = planes_of(g);
  const int64_t blocks = (g.oc + k.forward_channels - 1) / k.forward_channels;
  const int64_t runs = (pixels + k.forward_vectors * k.width - 1) / (k.forward_vectors * k.width);
  const int64_t items = blocks * runs;
  const int64_t image_floats = g.c * g.kw * planes.plane;
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t out_size = g.oc * pixels;

  const double work = static_cast<double>(g.n) * static_cast<double>(pixels) * static_cast<double>(g.oc * taps);
  const int threads = work < 2.0 * kMinMultiplyAddsPerThread ? 1 : ctx.threads.load();
  // Whole images per thread when they go round evenly or there are many; else the threads split each image's
  // items, each shifting the image's planes itself (a few microseconds, against a barrier per image).
  const bool by_image = g.n >= threads && (g.n % threads == 0 || g.n >= 4 * threads);
  const int team = static_cast<int>(by_image ? threads : std::min<int64_t>(threads, items));

  const int64_t weight_floats = round_up(blocks * taps * k.forward_channels, 16);
  const int64_t offset_floats = round_up(2 * taps, 16);  // int64 offsets, two float slots each
  Scratch scratch(ctx.scratch(static_cast<size_t>(weight_floats + offset_floats + team * image_floats)));
  float* packed_w = scratch.data();  // [block][taps][forward_channels]
  int64_t* offsets = reinterpret_cast<int64_t*>(packed_w + weight_floats);
  float* prep = packed_w + weight_floats + offset_floats;
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t channel = block_channel(b, k.forward_channels, g.oc);
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t i = 0; i < k.forward_channels; ++i) {
        packed_w[(b * taps + t) * k.forward_channels + i] = w[(channel + i) * taps + t];
      }
    }
  }
  tap_offsets(g, planes, offsets);
  ConvPlaneForwardArgs base{};
  base.taps = taps;
  base.offsets = offsets;
  base.y_stride = pixels;
  base.relu = relu;

#pragma omp parallel num_threads(team) if (team > 1)
  {
    float* image = prep + omp_get_thread_num() * image_floats;
    bool zeroed = false;
    if (by_image) {
      // Images as threads come free: a core of a shared machine may run slower for a while.
#pragma omp for schedule(dynamic, 1)
      for (int64_t n = 0; n < g.n; ++n) {
        k.shift(g, planes.rows, planes.plane, x + n * image_size, image, zeroed);
        zeroed = true;
        forward_items(k, base, g, packed_w, bias, image, y + n * out_size, runs, 0, items);
      }
    } else {
      const int part = omp_get_thread_num(), parts = omp_get_num_threads();
      const int64_t share = (items + parts - 1) / parts;
      const int64_t begin = std::min(items, part * share), end = std::min(items, begin + share);
      for (int64_t n = 0; n < g.n && begin < end; ++n) {
        k.shift(g, planes.rows, planes.plane, x + n * image_size, image, zeroed);
        zeroed = true;
        forward_items(k, base, g, packed_w, bias, image, y + n * out_size, runs, begin, end);
      }
    }
  }
}

bool conv_plane_fits(const Conv2dGeometry& g) {
  return g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 && g.dilation_w == 1 && g.oc >= 16 &&
         g.c * g.kw * planes_of(g).plane <= kMaxPlaneFloats;
}

void conv2d_backward_filter_plane(const ConvPlaneKernel& k, cnn_context& ctx, const Conv2dGeometry& g,
                                  const float* x, const float* dy, float* dw) {
  const int64_t taps = g.c * g.kh * g.kw;
  if (g.n == 0) {  // no pixels: the sums are empty
    std::fill(dw, dw + g.oc * taps, 0.0f);
    return;
  }
  const Planes planes = planes_of(g);
  const int64_t groups = (taps + k.max_taps - 1) / k.max_taps;
  const int64_t blocks = (g.oc + k.channels - 1) / k.channels;
  const int64_t pixels = g.oh * g.ow;
  const int64_t acc_floats = blocks * k.channels * taps * k.width;
  const int64_t image_floats = g.c * g.kw * planes.plane;
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t dy_size = g.oc * pixels;

  const double work = static_cast<double>(g.n) * static_cast<double>(pixels) * static_cast<double>(g.oc * taps);
  const int threads = work < 2.0 * kMinMultiplyAddsPerThread ? 1 : ctx.threads.load();
  const int64_t chunk_images = (g.n + kChunks - 1) / kChunks;
  const int64_t chunks = (g.n + chunk_images - 1) / chunk_images;
  const int team = static_cast<int>(std::min<int64_t>(threads, chunks));

  const int64_t offset_floats = round_up(2 * taps, 16);  // int64 offsets, two float slots each
  Scratch scratch(ctx.scratch(static_cast<size_t>(chunks * acc_floats + offset_floats + team * image_floats)));
  float* acc = scratch.data();  // [chunk][blocks * channels][taps][width]
  int64_t* offsets = reinterpret_cast<int64_t*>(acc + chunks * acc_floats);
  float* prep = acc + chunks * acc_floats + offset_floats;
  std::fill(acc, acc + chunks * acc_floats, 0.0f);
  tap_offsets(g, planes, offsets);
  const PlanePass pass{k, g, planes, taps, groups, blocks, pixels, offsets};

#pragma omp parallel num_threads(team) if (team > 1)
  {
    float* image = prep + omp_get_thread_num() * image_floats;
    bool zeroed = false;
#pragma omp for schedule(dynamic, 1)  // each chunk sums into its own accumulators, whichever thread runs it
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t stop = std::min(g.n, (c + 1) * chunk_images);
      for (int64_t n = c * chunk_images; n < stop; ++n) {
        k.shift(g, planes.rows, planes.plane, x + n * image_size, image, zeroed);
        zeroed = true;
        plane_image(pass, image, dy + n * dy_size, n + 1 < stop ? dy + (n + 1) * dy_size : nullptr,
                    acc + c * acc_floats);
      }
    }
  }
  for (int64_t c = 1; c < chunks; ++c) {
    const float* part = acc + c * acc_floats;
    for (int64_t i = 0; i < acc_floats; ++i) acc[i] += part[i];
  }

  // Channel o's row of acc: its block's, or in the last block (moved back to end at OC - 1) its place there.
  const int64_t last_block = (blocks - 1) * k.channels;
  const int64_t last_first = g.oc - k.channels;
  for (int64_t o = 0; o < g.oc; ++o) {
    const int64_t row = o < last_block ? o : last_block + (o - last_first);
    const float* src = acc + row * taps * k.width;
    for (int64_t t = 0; t < taps; ++t) {
      float sum = 0.0f;
      for (int64_t l = 0; l < k.width; ++l) sum += src[t * k.width + l];
      dw[o * taps + t] = sum;
    }
  }
}

// The rule, from a /tmp harness over the kernels (alternated calls, median of 30 pairs' time ratios, the direct
// tiles the table chose before -> plane tiles, AVX-512; bench/README.md "Session 8"):
// - few taps per output channel: 1 x 5 x 5 (L1) 1.10-1.22x on one thread, 1.05-1.16x on two; 3 x 3 x 3 on 32 x 32,
//   1.06-1.08x; 2 x 3 x 3 on 56 x 56, 1.20x. But 3 x 5 x 5 (75 taps) 0.96-0.99x and 32 x 5 x 5 (L2) 0.48x;
// - planes of at least 128 pixels: 8 x 8 outputs ran at 0.75x, 12 x 12 at 1.18x, 14 x 14 at 1.26-1.46x;
// - at least 4 images: 2 and 3 images (too few chunks for both threads) ran at 0.92x and 1.02x on two threads.
const ConvPlaneKernel* plane_choice(const ConvPlaneKernel& k, const Conv2dGeometry& g) {
  return conv_plane_fits(g) && g.c * g.kh * g.kw <= kMaxPlaneTaps && g.oh * g.ow >= kMinPlanePixels &&
                 g.n >= kMinPlaneImages
             ? &k
             : nullptr;
}

// The forward rule, from a /tmp harness over the kernels (alternated calls, median of 40 pairs' time ratios, what the
// table chose before -> plane tiles, AVX-512, 1 / 2 threads; bench/README.md "Session 10"):
// - up to 32 taps per output channel: 1 x 5 x 5 on 28 x 28 (L1) 1.18x / 1.06x, at batch 1 1.02x / 1.14x; 3 x 3 x 3 on
//   32 x 32 1.27x / 1.19x (32 channels), 1.46x / 1.40x (64); 2 x 3 x 3 on 56 x 56 1.13x / 1.09x; 3 x 3 x 3 on 64 x 64
//   at batch 2 1.20x / 1.20x. Against im2col + GEMM, where the direct tiles waste too many lanes: 1 x 3 x 3 on
//   14 x 14 2.7x / 1.3x, on 8 x 8 1.9x / 2.2x, on 4 x 4 1.6x / 1.6x;
// - but not more taps: 3 x 5 x 5 (75) 0.98x / 0.96x, 8 x 3 x 3 (72) 0.95x / 0.98x, 4 x 5 x 5 (100) 0.90x / 0.83x,
//   where each tile's write-back weighs less against its FMAs;
// - nor 1 x 1 windows (a plain GEMM): 3 x 1 x 1 on 28 x 28 1.43x on one thread but 0.81x on two.
const ConvPlaneKernel* plane_forward_choice(const ConvPlaneKernel& k, const Conv2dGeometry& g) {
  return conv_plane_fits(g) && g.c * g.kh * g.kw <= kMaxPlaneTaps && g.kh * g.kw > 1 ? &k : nullptr;
}

#if defined(CNN_HAVE_AVX512)
const ConvPlaneKernel* conv_plane_filter_choice_avx512(const Conv2dGeometry& g, int /*threads*/) {
  return plane_choice(conv_plane_kernel_avx512(), g);
}
const ConvPlaneKernel* conv_plane_forward_choice_avx512(const Conv2dGeometry& g, int /*threads*/) {
  return plane_forward_choice(conv_plane_kernel_avx512(), g);
}
#endif
#if defined(CNN_HAVE_AVX2)
const ConvPlaneKernel* conv_plane_filter_choice_avx2(const Conv2dGeometry& /*g*/, int /*threads*/) { return nullptr; }
const ConvPlaneKernel* conv_plane_forward_choice_avx2(const Conv2dGeometry& /*g*/, int /*threads*/) { return nullptr; }
#endif

}  // namespace cnn
