/* A small header that exercises every rule of the bindings generator; the generated C# is
 * sample.expected.cs beside it (compiled into this test project, so it must stay valid C#). */
#ifndef CNN_SAMPLE_H
#define CNN_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#define CNN_API __attribute__((visibility("default")))
#define CNN_SQUARE(x) ((x) * (x))
#define CNN_SAMPLE_NAME "sample"

/* Version of this sample ABI. */
#define CNN_SAMPLE_VERSION 3
#define CNN_SAMPLE_FLAGS 0x10 /* hexadecimal, with a trailing comment */

/* Something the library owns; no fields are visible. */
typedef struct cnn_widget cnn_widget;
typedef struct cnn_gadget_pool cnn_gadget_pool;

/* Every member starts with CNN_SPIN_MODE_, so that prefix goes. */
typedef enum cnn_spin_mode {
  CNN_SPIN_MODE_NONE = 0,
  CNN_SPIN_MODE_FAST_LEFT = 1, /* counter-clockwise, <fast> & loud */
  /* Slow, and
   * clockwise. */
  CNN_SPIN_MODE_SLOW_RIGHT = 7
} cnn_spin_mode;

typedef enum cnn_result { CNN_OK = 0, CNN_BAD_WIDGET = 2 } cnn_result;

/* Geometry of a widget; the int64_t needs 8-byte alignment, as in C#. */
typedef struct cnn_widget_shape {
  int32_t width, height;
  int64_t volume; /* cubic units */
  float scale;
  /* How it spins. */
  cnn_spin_mode mode;
  size_t count;
  uint32_t flags;
} cnn_widget_shape;

// Line comments
// become docs too.
CNN_API const char* cnn_sample_name(void);
CNN_API uint32_t cnn_sample_version(void);

/* Creates a widget; dims has rank entries. */
CNN_API cnn_result cnn_widget_create(const cnn_gadget_pool* pool, const int64_t* dims, size_t rank,
                                     cnn_widget** out);
CNN_API void cnn_widget_destroy(cnn_widget* widget); /* NULL is a no-op */
CNN_API cnn_result cnn_widget_spin(cnn_widget* widget, cnn_spin_mode mode, const cnn_widget_shape* params,
                                   const float* in, float* ref, float** object, int64_t* string);
CNN_API cnn_result cnn_widget_label(const cnn_widget* widget, const char* label, int32_t* fixed, size_t* count,
                                    float weight, int64_t offset);
CNN_API void cnn_gadget_pool_destroy(cnn_gadget_pool* pool);
/* 64-bit seeds and double-precision out-values. */
CNN_API cnn_result cnn_widget_measure(const cnn_widget* widget, uint64_t seed, double tolerance, double* out);

#endif /* CNN_SAMPLE_H */
