// The direct convolution's portable half (kernels/gemm/conv_direct.h): the choice of tile, the packed weights
// and tap offsets, the zero-padded image, the loops over channel blocks, output rows and tiles, and the threads,
// for the forward pass, the data gradient (a forward pass of dy) and the filter gradient. The tiles themselves are
// the tier's (kernels/avx512/conv_direct_avx512.cpp).
// Layout: x [n,c,h,w] NCHW, w [oc,c,kh,kw] OIHW, bias [oc] or null, y [n,oc,oh,ow].
// Reference kernel: conv2d_forward_ref (kernels/ref/conv2d_ref.cpp).
//
// Why direct: im2col + GEMM copies every input element KH*KW times into the GEMM's B panels (~20% of the time
// of the reference network's second layer), and its 64 output channels run as 14 + 14 + 14 + 14 + 8 rows of the
// 14 x 32 micro-kernel. Here channels are the vector lanes (no remainder for multiples of 16) and the pixels are
// broadcast from the padded image, so nothing is copied per tap. Measured on the 2-core Sapphire Rapids VM
// (cnn_peer_bench ConvFwd, both builds interleaved in one session, best of 2): one thread L1-L4 68/96/105/98 ->
// 84/119/116/108 GFLOP/s, two threads (L2-L4) 135/104/139 -> 180/224/220.
//
// Every output element is one FMA chain over the taps in order, whatever the tile, the block or the thread that
// computes it: results do not depend on the thread count.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>

#include "core/context.h"
#include "core/error.h"
#include "kernels/gemm/conv_direct.h"
#include "kernels/gemm/conv_plane.h"
#include "kernels/gemm/conv_winograd.h"

namespace cnn {

namespace {

// Below this many multiply-adds per thread (~15 us of FMAs), a parallel region costs more than it saves: waking
// a sleeping OpenMP thread takes 10-30 us (OMP_WAIT_POLICY=passive). Raised from 64K, which sent batch-1 conv1
// (627K multiply-adds) to 2 threads: the reference network at batch 1 on 2 threads went 1,942 -> 1,999 images/s
// (active waiting) and 1,756 -> 1,840 (passive), best of 4 alternated rounds. The thread tests' shapes stay
// above 2 x this, so they still run on 2 threads.
constexpr double kMinMultiplyAddsPerThread = 1048576.0;
// The largest padded image (floats) the direct path copies; larger ones go through im2col + GEMM, whose panels
// need no copy of the whole image. 64M floats also keeps every tap offset inside int32.
constexpr int64_t kMaxPaddedFloats = int64_t{1} << 26;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// The padded image: rows and columns that the output's windows reach, from (-pad_top, -pad_left) on.
struct PaddedShape {
  int64_t h, w;
  int64_t floats;  // C * h * w, plus room for a last tile's pixels past OW
};

PaddedShape padded_shape(const Conv2dGeometry& g, int64_t tile_pixels) {
  const int64_t h = (g.oh - 1) * g.stride_h + (g.kh - 1) * g.dilation_h + 1;
  const int64_t w = (g.ow - 1) * g.stride_w + (g.kw - 1) * g.dilation_w + 1;
  return {h, w, g.c * h * w + tile_pixels * g.stride_w};
}

// The padded copy of one image, zeros outside x (and in the room past the last row). Only the image's own cells
// change from one image to the next, so a buffer that already holds a padded image (`borders_zeroed`) gets just
// those; otherwise the whole buffer is zeroed first.
void pad_image(const Conv2dGeometry& g, const PaddedShape& p, const float* image, float* dst, bool borders_zeroed) {
  if (!borders_zeroed) std::memset(dst, 0, static_cast<size_t>(p.floats) * sizeof(float));
  const int64_t left = std::min<int64_t>(g.pad_left, p.w);
  const int64_t copied = std::clamp<int64_t>(p.w - g.pad_left, 0, g.w);
  const int64_t first_row = std::max<int64_t>(0, g.pad_top);
  const int64_t last_row = std::min<int64_t>(p.h, g.pad_top + g.h);
  if (copied == 0) return;
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t i = first_row; i < last_row; ++i) {
      std::memcpy(dst + (c * p.h + i) * p.w + left, image + (c * g.h + i - g.pad_top) * g.w,
                  static_cast<size_t>(copied) * sizeof(float));
    }
  }
}

struct Pass {
  const ConvDirectKernel& kernel;
  ConvDirectTileFn tile;
  const Conv2dGeometry& g;
  PaddedShape padded;
  const int32_t* offsets;
  const float* packed_w;
  const float* bias;
  bool relu;
};

// Work items [begin, end) of one image, item = block * OH + output row.
void run_items(const Pass& s, const float* padded, float* y_image, int64_t begin, int64_t end) {
  const Conv2dGeometry& g = s.g;
  const int64_t nb = s.kernel.channels;
  const int64_t taps = g.c * g.kh * g.kw;
  const int64_t plane = g.oh * g.ow;
  ConvDirectTileArgs args{};
  args.taps = taps;
  args.offsets = s.offsets;
  args.channel_stride = plane;
  args.relu = s.relu;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t block = item / g.oh;
    const int64_t oy = item % g.oh;
    args.weights = s.packed_w + block * taps * nb;
    args.channels = std::min(nb, g.oc - block * nb);
    args.bias = s.bias != nullptr ? s.bias + block * nb : nullptr;
    const float* row = padded + oy * g.stride_h * s.padded.w;
    float* y_row = y_image + block * nb * plane + oy * g.ow;
    for (int64_t ox = 0; ox < g.ow; ox += s.kernel.pixels) {
      args.input = row + ox * g.stride_w;
      args.pixels = std::min(s.kernel.pixels, g.ow - ox);
      args.y = y_row + ox;
      s.tile(args);
    }
  }
}

// The threads forward_direct runs g on, given the context's.
int forward_threads(const Conv2dGeometry& g, int threads) {
  const double work = static_cast<double>(g.n) * static_cast<double>(g.oc * g.oh * g.ow) *
                      static_cast<double>(g.c * g.kh * g.kw);
  return work < 2.0 * kMinMultiplyAddsPerThread ? 1 : threads;
}

// Whether forward_direct's threads share the rows of one image at a time (else they take whole images each, when
// those split evenly or there are many).
bool splits_rows(const Conv2dGeometry& g, int threads) {
  return threads > 1 && !(g.n >= threads && (g.n % threads == 0 || g.n >= 4 * threads));
}

// Whether `narrow` (more channels per block than `wide`) would leave threads sharing one image's rows without a
// block each, where `wide` gives every thread its own blocks: each thread then packs the weights it uses, in its
// own cache, instead of reading all of them from the one that packed them.
bool own_blocks_help(const Conv2dGeometry& g, int threads, const ConvDirectKernel& narrow,
                     const ConvDirectKernel& wide) {
  const int team = forward_threads(g, threads);
  if (!splits_rows(g, team)) return false;
  const int64_t narrow_blocks = (g.oc + narrow.channels - 1) / narrow.channels;
  const int64_t wide_blocks = (g.oc + wide.channels - 1) / wide.channels;
  return narrow_blocks < team && wide_blocks % team == 0;
}

// The forward pass proper; with `flipped`, w is the weights of the convolution whose data gradient this is, [C,
// OC, KH, KW] in g's terms, and tap (c, ky, kx) of output channel o uses w[c][o][KH-1-ky][KW-1-kx].
void forward_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g, const float* x,
                    const float* w, bool flipped, const float* bias, bool relu, float* y) {
  const int64_t taps = g.c * g.kh * g.kw;
  const int64_t nb = kernel.channels;
  const int64_t blocks = (g.oc + nb - 1) / nb;
  const PaddedShape padded = padded_shape(g, kernel.pixels);
  const int64_t padded_stride = round_up(padded.floats, 16);  // each thread's image on its own cache lines
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t out_size = g.oc * g.oh * g.ow;
  const int64_t items = blocks * g.oh;

  const int threads = forward_threads(g, ctx.threads.load());
  const bool by_image = threads > 1 && !splits_rows(g, threads);
  const int64_t images_at_once = by_image ? threads : 1;

  const int64_t weight_floats = round_up(blocks * taps * nb, 16);
  const int64_t offset_floats = round_up(taps, 16);  // int32 offsets, one float slot each
  const int64_t flipped_floats = flipped ? round_up(g.oc * taps, 16) : 0;
  Scratch scratch(ctx.scratch(
      static_cast<size_t>(weight_floats + offset_floats + flipped_floats + images_at_once * padded_stride)));
  float* packed_w = scratch.data();
  int32_t* offsets = reinterpret_cast<int32_t*>(packed_w + weight_floats);
  float* images = packed_w + weight_floats + offset_floats + flipped_floats;

  float* plain = flipped ? packed_w + weight_floats + offset_floats : nullptr;  // [OC, C, KH, KW] in g's terms
  for (int64_t c = 0, t = 0; c < g.c; ++c) {
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx, ++t) {
        offsets[t] = static_cast<int32_t>((c * padded.h + ky * g.dilation_h) * padded.w + kx * g.dilation_w);
      }
    }
  }
  const Pass pass{kernel, g.stride_w == 1 ? kernel.stride1 : kernel.stride2, g, padded, offsets, packed_w, bias, relu};

  // One team for the whole call: it flips (data gradient) and packs the weights ([block][taps][nb]) a part per
  // thread, then takes whole images per thread, or else the rows of one image at a time, each thread a contiguous
  // run of items (it keeps its block's weights across its rows).
  const int team = by_image ? threads : static_cast<int>(std::min<int64_t>(threads, items));
#pragma omp parallel num_threads(team) if (team > 1)
  {
    const int part = omp_get_thread_num();
    const int parts = omp_get_num_threads();
    if (flipped) {
      const int64_t window = g.kh * g.kw;
      const int64_t share = (g.oc + parts - 1) / parts;
      for (int64_t o = part * share; o < std::min(g.oc, (part + 1) * share); ++o) {
        for (int64_t c = 0; c < g.c; ++c) {
          const float* src = w + (c * g.oc + o) * window;
          float* dst = plain + (o * g.c + c) * window;
          for (int64_t t = 0; t < window; ++t) dst[t] = src[window - 1 - t];
        }
      }
#pragma omp barrier
    }
    const float* source = flipped ? plain : w;
    const int64_t share = (items + parts - 1) / parts;
    const int64_t begin = std::min(items, part * share);
    const int64_t end = std::min(items, begin + share);
    if (by_image) {
      pack_rows_transposed_part(kernel.pack_weights, nb, source, taps, g.oc, taps, packed_w, part, parts);
    } else {
      // The blocks whose first row is this thread's: with a block or more per thread, each thread packs the
      // weights it then uses, in its own cache.
      for (int64_t b = (begin + g.oh - 1) / g.oh; b * g.oh < end; ++b) {
        pack_rows_transposed(kernel.pack_weights, nb, source + b * nb * taps, taps, std::min(nb, g.oc - b * nb), taps,
                             packed_w + b * taps * nb);
      }
    }
#pragma omp barrier
    if (by_image) {
      float* image = images + part * padded_stride;
      bool zeroed = false;
      // Images as threads come free: a core of a shared machine may run slower for a while.
#pragma omp for schedule(dynamic, 1)
      for (int64_t n = 0; n < g.n; ++n) {
        pad_image(g, padded, x + n * image_size, image, zeroed);
        zeroed = true;
        run_items(pass, image, y + n * out_size, 0, items);
      }
    } else {
      for (int64_t n = 0; n < g.n; ++n) {
#pragma omp single
        pad_image(g, padded, x + n * image_size, images, n > 0);
        run_items(pass, images, y + n * out_size, begin, end);
#pragma omp barrier
      }
    }
  }
}

}  // namespace

void conv2d_forward_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g, const float* x,
                           const float* w, const float* bias, bool relu, float* y) {
  forward_direct(kernel, ctx, g, x, w, false, bias, relu, y);
}

std::optional<Conv2dGeometry> conv_backward_data_as_forward(const Conv2dGeometry& g) {
  const int64_t pad_top = (g.kh - 1) * g.dilation_h - g.pad_top;
  const int64_t pad_left = (g.kw - 1) * g.dilation_w - g.pad_left;
  if (g.stride_h != 1 || g.stride_w != 1 || pad_top < 0 || pad_left < 0) return std::nullopt;
  return Conv2dGeometry{g.n,         g.oc, g.oh, g.ow, g.c, g.kh, g.kw, g.h, g.w, 1, 1, static_cast<int32_t>(pad_top),
                        static_cast<int32_t>(pad_left), g.dilation_h, g.dilation_w};
}

namespace {

// The most floats of padded images and transposed dy the filter gradient prepares at once when the threads share
// the images (small batches); more images go in rounds.
constexpr int64_t kMaxFilterPrepFloats = int64_t{1} << 23;
// From this many images the filter gradient sums the batch in at most kFilterChunks chunks of images, a thread
// each (conv2d_backward_filter_direct).
constexpr int64_t kMinChunkedImages = 4;
constexpr int64_t kFilterChunks = 8;

int64_t filter_taps(const ConvDirectKernel& k) { return k.filter_taps > 0 ? k.filter_taps : k.pixels; }

// The filter gradient's fixed parts: tile shape, tap offsets in the padded image, the pixel blocks.
struct FilterPass {
  const Conv2dGeometry& g;
  ConvFilterTileFn tile;
  PaddedShape padded;
  int64_t padded_stride;  // floats of one prepared image's padded copy (its transposed dy follows)
  int64_t group, nb, groups, pixels, block_rows;
  const int64_t* offsets;  // per tap (groups * group of them; past the last tap, the last one's)
  SgemmTransposePackFn pack;  // the tier's transposing packer, for dy
};

// One image's share of dw: items [begin, end) of (channel block, tap group), pixel block by pixel block, added to
// the accumulators `acc` ([block][group taps][nb]). `image` is the padded image, followed by dy transposed
// ([block][pixels][nb]); or, given the image's dy (NCHW), followed by room for one pixel block of it, which is
// transposed there just before its tiles run ([block][block pixels][nb], in L1 or L2), so the transposed dy of a
// large image never goes out to memory and back.
void filter_image(const FilterPass& s, float* image, float* acc, int64_t begin, int64_t end,
                  const float* dy = nullptr) {
  const Conv2dGeometry& g = s.g;
  float* dyt = image + s.padded_stride;
  const float* x_taps[32];  // a tile's tap pointers (tiles have at most 32 taps)
  ConvFilterTileArgs args{};
  args.x = x_taps;
  args.row_stride = g.stride_h * s.padded.w;
  args.cols = g.ow;
  for (int64_t oy = 0; oy < g.oh; oy += s.block_rows) {
    args.rows = std::min(s.block_rows, g.oh - oy);
    const float* row = image + oy * g.stride_h * s.padded.w;
    const int64_t block_pixels = args.rows * g.ow;
    if (dy != nullptr) pack_rows_transposed(s.pack, s.nb, dy + oy * g.ow, s.pixels, g.oc, block_pixels, dyt);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t block = item / s.groups;
      const int64_t first_tap = item % s.groups * s.group;
      for (int64_t t = 0; t < s.group; ++t) x_taps[t] = row + s.offsets[first_tap + t];
      args.dy = dy != nullptr ? dyt + block * block_pixels * s.nb : dyt + (block * s.pixels + oy * g.ow) * s.nb;
      args.dw = acc + (block * s.groups * s.group + first_tap) * s.nb;
      s.tile(args);
    }
  }
}

}  // namespace

// Two ways to share the work, picked by the batch size alone, so each gives the same bits on any thread count:
//  - from kMinChunkedImages images, the batch splits into at most kFilterChunks chunks of consecutive images (a
//    function of N only); each chunk is summed into its own accumulators by one thread, image by image, each
//    image padded by that thread just before use, while it is in its cache, and its dy transposed a pixel block
//    at a time (filter_image); the chunks' sums are then added in chunk order;
//  - below that, all images are prepared first (in rounds of at most kMaxFilterPrepFloats) and the threads split
//    the (channel block, tap group) items, each item's accumulators its own.
// Either way every dw element is a fixed sequence of FMA chains and adds, whatever the thread count.
void conv2d_backward_filter_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                                   const float* x, const float* dy, float* dw) {
  const int64_t taps = g.c * g.kh * g.kw;
  const int64_t group = filter_taps(kernel);
  const int64_t nb = kernel.channels;
  const int64_t blocks = (g.oc + nb - 1) / nb;
  const int64_t groups = (taps + group - 1) / group;
  const int64_t pixels = g.oh * g.ow;
  const PaddedShape padded = padded_shape(g, 0);
  const int64_t padded_stride = round_up(padded.floats, 16);
  const int64_t acc_floats = blocks * groups * group * nb;
  const int64_t items = blocks * groups;
  const int64_t block_rows = std::clamp<int64_t>(kernel.filter_block_bytes / (g.ow * nb * 4), 1, g.oh);
  const int64_t image_size = g.c * g.h * g.w;
  const int64_t dy_size = g.oc * pixels;

  const double work = static_cast<double>(g.n) * static_cast<double>(pixels) * static_cast<double>(g.oc * taps);
  const int threads = work < 2.0 * kMinMultiplyAddsPerThread ? 1 : ctx.threads.load();
  const bool chunked = g.n >= kMinChunkedImages;
  // Per image slot: the padded image, then its whole dy transposed, or (chunked) room for one pixel block of it.
  const int64_t prep_floats = padded_stride + blocks * (chunked ? block_rows * g.ow : pixels) * nb;
  const int64_t chunk_images = chunked ? (g.n + kFilterChunks - 1) / kFilterChunks : g.n;
  const int64_t chunks = chunked ? (g.n + chunk_images - 1) / chunk_images : 1;
  const int64_t round_images =
      chunked ? 0 : std::clamp<int64_t>(kMaxFilterPrepFloats / prep_floats, 1, std::max<int64_t>(g.n, 1));
  const int team = static_cast<int>(std::min<int64_t>(threads, chunked ? chunks : items));
  const int64_t prep_slots = chunked ? team : round_images;

  const int64_t offset_floats = round_up(2 * groups * group, 16);  // int64 offsets, two float slots each
  Scratch scratch(
      ctx.scratch(static_cast<size_t>(chunks * acc_floats + offset_floats + prep_slots * prep_floats)));
  float* acc = scratch.data();  // [chunk][block][group taps][nb]
  int64_t* offsets = reinterpret_cast<int64_t*>(acc + chunks * acc_floats);
  float* prep = acc + chunks * acc_floats + offset_floats;
  std::fill(acc, acc + chunks * acc_floats, 0.0f);
  for (int64_t t = 0; t < groups * group; ++t) {
    const int64_t tap = std::min(t, taps - 1);
    const int64_t c = tap / (g.kh * g.kw), ky = tap / g.kw % g.kh, kx = tap % g.kw;
    offsets[t] = (c * padded.h + ky * g.dilation_h) * padded.w + kx * g.dilation_w;
  }
  const FilterPass pass{g,      g.stride_w == 1 ? kernel.filter_stride1 : kernel.filter_stride2,
                        padded, padded_stride,
                        group,  nb,
                        groups, pixels,
                        block_rows, offsets,
                        kernel.pack_weights};
  auto prepare = [&](int64_t n, float* image, bool zeroed) {  // the unchunked path's whole-image preparation
    pad_image(g, padded, x + n * image_size, image, zeroed);
    pack_rows_transposed(kernel.pack_weights, nb, dy + n * dy_size, pixels, g.oc, pixels, image + padded_stride);
  };

  if (chunked) {
#pragma omp parallel num_threads(team) if (team > 1)
    {
      float* image = prep + omp_get_thread_num() * prep_floats;
      bool zeroed = false;
#pragma omp for schedule(dynamic, 1)  // each chunk sums into its own accumulators, whichever thread runs it
      for (int64_t c = 0; c < chunks; ++c) {
        for (int64_t n = c * chunk_images; n < std::min(g.n, (c + 1) * chunk_images); ++n) {
          pad_image(g, padded, x + n * image_size, image, zeroed);
          zeroed = true;
          filter_image(pass, image, acc + c * acc_floats, 0, items, dy + n * dy_size);
        }
      }
    }
    for (int64_t c = 1; c < chunks; ++c) {
      const float* part = acc + c * acc_floats;
      for (int64_t i = 0; i < acc_floats; ++i) acc[i] += part[i];
    }
  } else {
    for (int64_t first = 0; first < g.n; first += round_images) {
      const int64_t count = std::min(round_images, g.n - first);
      const int prep_team = static_cast<int>(std::min<int64_t>(threads, count));
#pragma omp parallel for num_threads(prep_team) if (prep_team > 1) schedule(static)
      for (int64_t i = 0; i < count; ++i) prepare(first + i, prep + i * prep_floats, first > 0);
#pragma omp parallel num_threads(team) if (team > 1)
      {
        const int64_t share = (items + team - 1) / team;
        const int64_t begin = std::min(items, omp_get_thread_num() * share);
        const int64_t end = std::min(items, begin + share);
        for (int64_t i = 0; i < count; ++i) filter_image(pass, prep + i * prep_floats, acc, begin, end);
      }
    }
  }

  for (int64_t o = 0; o < g.oc; ++o) {
    const float* src = acc + (o / nb) * groups * group * nb + o % nb;
    for (int64_t t = 0; t < taps; ++t) dw[o * taps + t] = src[t * nb];
  }
}

void conv2d_backward_data_direct(const ConvDirectKernel& kernel, cnn_context& ctx, const Conv2dGeometry& g,
                                 const float* w, const float* dy, float* dx) {
  const std::optional<Conv2dGeometry> t = conv_backward_data_as_forward(g);
  if (!t) fail(CNN_INTERNAL, "direct backward data: the convolution is strided or over-padded");
  forward_direct(kernel, ctx, *t, dy, w, true, nullptr, false, dx);
}

namespace {

// Multiply-adds per tap that a kernel's tiles compute for one image row, padding included.
int64_t padded_work(const ConvDirectKernel& k, const Conv2dGeometry& g) {
  return round_up(g.oc, k.channels) * round_up(g.ow, k.pixels);
}

// What every tier's direct tiles need: stride_w 1 or 2, at least 16 output channels (fewer leave most lanes
// idle) and a padded image of bounded size for tiles of up to `tile_pixels` pixels.
bool direct_fits(const Conv2dGeometry& g, int64_t tile_pixels) {
  return (g.stride_w == 1 || g.stride_w == 2) && g.oc >= 16 && padded_shape(g, tile_pixels).floats <= kMaxPaddedFloats;
}

// A 1x1 stride-1 unpadded convolution is a plain GEMM, with nothing for im2col to copy.
bool pointwise(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
         g.oh == g.h && g.ow == g.w;
}

using ConvChoiceFn = const ConvDirectKernel* (*)(const Conv2dGeometry& g, int threads);
using WinogradChoiceFn = const ConvWinogradKernel* (*)(const Conv2dGeometry& g, int threads);
using ConvPlaneChoiceFn = const ConvPlaneKernel* (*)(const Conv2dGeometry& g, int threads);

// The table entries of a tier, given its choice functions: Winograd, plane or direct where they pick a kernel, else
// the GEMM path.
void forward_or_gemm(WinogradChoiceFn winograd, ConvPlaneChoiceFn choose_plane, ConvChoiceFn choose,
                     cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                     bool relu, float* y) {
  if (const ConvWinogradKernel* k = winograd(g, ctx.threads.load()))
    return conv2d_forward_winograd(*k, ctx, g, x, w, false, bias, relu, y);
  if (const ConvPlaneKernel* k = choose_plane(g, ctx.threads.load()))
    return conv2d_forward_plane(*k, ctx, g, x, w, bias, relu, y);
  if (const ConvDirectKernel* k = choose(g, ctx.threads.load()))
    return conv2d_forward_direct(*k, ctx, g, x, w, bias, relu, y);
  if (relu) return conv2d_forward_gemm_relu(ctx, g, x, w, bias, y);
  conv2d_forward_gemm(ctx, g, x, w, bias, y);
}

void backward_data_or_gemm(WinogradChoiceFn winograd, ConvChoiceFn choose, cnn_context& ctx, const Conv2dGeometry& g,
                           const float* w, const float* dy, float* dx) {
  const std::optional<Conv2dGeometry> t = conv_backward_data_as_forward(g);
  if (const ConvWinogradKernel* k = t ? winograd(*t, ctx.threads.load()) : nullptr)
    return conv2d_forward_winograd(*k, ctx, *t, dy, w, true, nullptr, false, dx);
  if (const ConvDirectKernel* k = t ? choose(*t, ctx.threads.load()) : nullptr)
    return conv2d_backward_data_direct(*k, ctx, g, w, dy, dx);
  conv2d_backward_data_gemm(ctx, g, w, dy, dx);
}

void backward_filter_or_gemm(ConvPlaneChoiceFn choose_plane, ConvChoiceFn choose, cnn_context& ctx,
                             const Conv2dGeometry& g, const float* x, const float* dy, float* dw) {
  if (const ConvPlaneKernel* k = choose_plane(g, ctx.threads.load()))
    return conv2d_backward_filter_plane(*k, ctx, g, x, dy, dw);
  if (const ConvDirectKernel* k = choose(g, ctx.threads.load()))
    return conv2d_backward_filter_direct(*k, ctx, g, x, dy, dw);
  conv2d_backward_filter_gemm(ctx, g, x, dy, dw);
}

}  // namespace

// A tier's table entries, given its choice functions conv_winograd_choice_<tier> (conv_winograd.h),
// conv_plane_forward_choice_<tier> and conv_plane_filter_choice_<tier> (conv_plane.h), conv_direct_choice_<tier>,
// conv_data_choice_<tier> and conv_filter_choice_<tier>.
#define CNN_CONV_DIRECT_ENTRIES(tier)                                                                                \
  void conv2d_forward_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,              \
                             const float* bias, float* y) {                                                          \
    forward_or_gemm(conv_winograd_choice_##tier, conv_plane_forward_choice_##tier, conv_direct_choice_##tier, ctx, g, \
                    x, w, bias, false, y);                                                                           \
  }                                                                                                                  \
  void conv2d_forward_relu_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* w,         \
                                  const float* bias, float* y) {                                                     \
    forward_or_gemm(conv_winograd_choice_##tier, conv_plane_forward_choice_##tier, conv_direct_choice_##tier, ctx, g, \
                    x, w, bias, true, y);                                                                            \
  }                                                                                                                  \
  void conv2d_backward_data_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* w, const float* dy,       \
                                   float* dx) {                                                                      \
    backward_data_or_gemm(conv_winograd_choice_##tier, conv_data_choice_##tier, ctx, g, w, dy, dx);                  \
  }                                                                                                                  \
  void conv2d_backward_filter_##tier(cnn_context& ctx, const Conv2dGeometry& g, const float* x, const float* dy,     \
                                     float* dw) {                                                                    \
    backward_filter_or_gemm(conv_plane_filter_choice_##tier, conv_filter_choice_##tier, ctx, g, x, dy, dw);          \
  }

#if defined(CNN_HAVE_AVX512)

namespace {

// The 7 x 64 filter tiles reload and store 28 accumulators per pixel block, so their blocks are 64 KiB of dy (in
// L2) rather than 16 KiB (in L1): filter gradients 1.07x (L2), 1.10-1.12x (L3), 1.10x (L4) on one thread, 1.07x
// and 1.10x for L2 and L3 on two (alternated pairs, /tmp harness). The 14 x 32 tiles' 7 x 32 filter tiles, with
// half the accumulators, measured 0.96x with long blocks on L1 and keep 16 KiB, as do the AVX2 tiles (L1 0.97x,
// L2 1.00x, L3 1.02x, L4 1.04x: not worth a second rule).
constexpr ConvDirectKernel kAvx512_7x64{"conv_direct_avx512_7x64",
                                        7,
                                        64,
                                        conv_direct_avx512_7x64_s1,
                                        conv_direct_avx512_7x64_s2,
                                        sgemm_pack_transposed_avx512,
                                        conv_filter_avx512_7x64_s1,
                                        conv_filter_avx512_7x64_s2,
                                        0,
                                        65536};
constexpr ConvDirectKernel kAvx512_14x32{"conv_direct_avx512_14x32",   14,
                                         32,
                                         conv_direct_avx512_14x32_s1,  conv_direct_avx512_14x32_s2,
                                         sgemm_pack_transposed_avx512, conv_filter_avx512_7x32_s1,
                                         conv_filter_avx512_7x32_s2,   7};

}  // namespace

const ConvDirectKernel& conv_direct_kernel_avx512_7x64() { return kAvx512_7x64; }
const ConvDirectKernel& conv_direct_kernel_avx512_14x32() { return kAvx512_14x32; }

const ConvDirectKernel* conv_direct_choice_avx512(const Conv2dGeometry& g, int threads) {
  if (!direct_fits(g, 14) || pointwise(g)) return nullptr;
  const int64_t a = padded_work(kAvx512_7x64, g);
  const int64_t b = padded_work(kAvx512_14x32, g);
  // Equal work: 7 x 64 reads each weight once per 7 pixels and wins on narrow rows (L2: 14 pixels); 14 x 32
  // streams half the weights per tap and wins on wide ones (L3, L4). Where the threads share one image's rows and
  // 14 x 32's blocks give each its own (own_blocks_help), 14 x 32: L2 at batch 1 on 2 threads took 167-193 us
  // with 7 x 64 (each thread reading all weights, packed by the other) and 129-137 us with 14 x 32.
  const ConvDirectKernel* best =
      a < b || (a == b && g.ow < 28 && !own_blocks_help(g, threads, kAvx512_7x64, kAvx512_14x32)) ? &kAvx512_7x64
                                                                                                 : &kAvx512_14x32;
  const int64_t useful = g.oc * g.ow;
  return std::min(a, b) * 2 <= useful * 3 ? best : nullptr;
}

const ConvDirectKernel* conv_filter_choice_avx512(const Conv2dGeometry& g, int /*threads*/) {
  if (!direct_fits(g, 14)) return nullptr;
  // The work the tiles do per pixel, padding included: taps rounded up to the tile's, channels to its block.
  const int64_t taps = g.c * g.kh * g.kw;
  const int64_t a = round_up(g.oc, kAvx512_7x64.channels) * round_up(taps, filter_taps(kAvx512_7x64));
  const int64_t b = round_up(g.oc, kAvx512_14x32.channels) * round_up(taps, filter_taps(kAvx512_14x32));
  return a <= b ? &kAvx512_7x64 : &kAvx512_14x32;
}

const ConvDirectKernel* conv_data_choice_avx512(const Conv2dGeometry& g, int threads) {
  return conv_direct_choice_avx512(g, threads);
}

CNN_CONV_DIRECT_ENTRIES(avx512)

#endif

#if defined(CNN_HAVE_AVX2)

namespace {

constexpr ConvDirectKernel kAvx2_6x16{"conv_direct_avx2_6x16",    6,  16, conv_direct_avx2_6x16_s1,
                                      conv_direct_avx2_6x16_s2,   sgemm_pack_transposed_avx2,
                                      conv_filter_avx2_6x16_s1,   conv_filter_avx2_6x16_s2};

}  // namespace

const ConvDirectKernel& conv_direct_kernel_avx2_6x16() { return kAvx2_6x16; }

// The AVX2 rules, from cnn_peer_bench under CNN_MAX_ISA=avx2 on the 2-core VM (GFLOP/s, best of 3 interleaved
// rounds, main's im2col + GEMM -> direct 6 x 16; the VM is shared and noisy, so only repeatable gaps count):
// - forward: direct where 6-pixel tiles waste at most 1/8 of a row on padding. L1 (28 pixels) 32.2 -> 35.5,
//   L3 (56) 58.7 -> 60.8, L4 (112) 42.0 -> 60.7 at one thread; L2's 14-pixel rows (18 computed) measured slower
//   in both sessions (52.4 -> 47.8, 33.8 -> 32.7), so L2 stays on the GEMM.
// - data gradient (stride 1): direct wherever it fits: L2 40.7 -> 43.0 (one thread), 27.5 -> 38.9 (two), in
//   spite of L2's padded rows, since its GEMM path adds col2im; L3 56.0 -> 46.5 (one), 36.3 -> 55.1 (two).
// - filter gradient: direct wherever it fits: one thread L1 17.2 -> 28.3, L2 35.2 -> 63.6, L3 36.7 -> 58.3,
//   L4 29.9 -> 45.5.
const ConvDirectKernel* conv_direct_choice_avx2(const Conv2dGeometry& g, int threads) {
  const ConvDirectKernel* k = conv_data_choice_avx2(g, threads);
  return k != nullptr && round_up(g.ow, k->pixels) * 8 <= g.ow * 9 ? k : nullptr;
}

const ConvDirectKernel* conv_data_choice_avx2(const Conv2dGeometry& g, int /*threads*/) {
  return direct_fits(g, 6) && !pointwise(g) ? &kAvx2_6x16 : nullptr;
}

const ConvDirectKernel* conv_filter_choice_avx2(const Conv2dGeometry& g, int /*threads*/) {
  return direct_fits(g, 6) ? &kAvx2_6x16 : nullptr;
}

CNN_CONV_DIRECT_ENTRIES(avx2)

#endif

#undef CNN_CONV_DIRECT_ENTRIES

}  // namespace cnn
