// Image decoding: PNG through libpng's simplified API, JPEG through libjpeg(-turbo), into uint8 tensors (H, W, C) or
// (C, H, W). The format comes from the file's signature, not its name. Every failure of either library (corrupt data,
// truncation, unsupported variants) becomes a c10::ValueError carrying the library's own message.
#include "mlr.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

namespace {

// ---- JPEG ----------------------------------------------------------------------------------------------------------
//
// libjpeg reports fatal errors through a callback that must not return; it longjmps back into jpeg_decode_c.
// longjmp skips C++ destructors (undefined behaviour), so jpeg_decode_c and everything between its setjmp and the
// library's longjmp is plain C: PODs, malloc and free. The C++ side (tensors, exceptions) lives in decode_jpeg.

struct JpegErrors {
  jpeg_error_mgr pub;  // first member: libjpeg hands back &pub, which is cast to JpegErrors
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct JpegState {
  jpeg_decompress_struct info;
  JpegErrors errors;
};

struct JpegPixels {
  unsigned char* data;  // malloc'd, (H, W, channels), owned by the caller on success
  int64_t height;
  int64_t width;
  int channels;       // 1 gray, 3 RGB, 4 CMYK
  bool adobe_cmyk;    // Adobe writes CMYK inverted (0 = full ink)
};

[[noreturn]] void jpeg_on_error(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  longjmp(errors->jump, 1);
}

// Warnings (level -1) and trace messages are not printed. Running out of data is only a warning to libjpeg, which
// pads the stream and returns a partly gray image; a truncated file must fail, so that warning is made fatal.
void jpeg_on_message(j_common_ptr info, int level) {
  if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) jpeg_on_error(info);
}

// Returns null on success, else the error message (stored in state->errors).
const char* jpeg_decode_c(const unsigned char* data, unsigned long length, JpegState* state, JpegPixels* out) {
  out->data = nullptr;
  state->info.err = jpeg_std_error(&state->errors.pub);
  state->errors.pub.error_exit = jpeg_on_error;
  state->errors.pub.emit_message = jpeg_on_message;
  if (setjmp(state->errors.jump)) {
    jpeg_destroy_decompress(&state->info);
    free(out->data);
    out->data = nullptr;
    return state->errors.message;
  }
  jpeg_create_decompress(&state->info);
  jpeg_mem_src(&state->info, data, length);
  jpeg_read_header(&state->info, TRUE);
  switch (state->info.jpeg_color_space) {
    case JCS_GRAYSCALE: state->info.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: state->info.out_color_space = JCS_CMYK; break;
    default: state->info.out_color_space = JCS_RGB; break;
  }
  jpeg_start_decompress(&state->info);
  out->height = state->info.output_height;
  out->width = state->info.output_width;
  out->channels = state->info.output_components;
  out->adobe_cmyk = state->info.saw_Adobe_marker != 0;
  size_t row = static_cast<size_t>(out->width) * static_cast<size_t>(out->channels);
  out->data = static_cast<unsigned char*>(malloc(row * static_cast<size_t>(out->height)));
  if (out->data == nullptr) {
    snprintf(state->errors.message, sizeof state->errors.message, "out of memory for a %lldx%lld image",
             static_cast<long long>(out->width), static_cast<long long>(out->height));
    jpeg_destroy_decompress(&state->info);
    return state->errors.message;
  }
  while (state->info.output_scanline < state->info.output_height) {
    JSAMPROW rows[1] = {out->data + row * state->info.output_scanline};
    jpeg_read_scanlines(&state->info, rows, 1);
  }
  jpeg_finish_decompress(&state->info);
  jpeg_destroy_decompress(&state->info);
  return nullptr;
}

struct FreeDeleter {
  void operator()(unsigned char* p) const { free(p); }
};

// ---- channel conversion ----------------------------------------------------------------------------------------------

// ITU-R 601-2 luma in 16-bit fixed point, rounded: the same formula as PIL's convert("L").
inline uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

// Writes `pixels` pixels of `from` channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) as `to` channels, interleaved
// (H, W, C) or planar (C, H, W). Gray repeats into RGB, RGB becomes gray by luma, alpha is dropped or added opaque.
void convert_channels(const uint8_t* src, int64_t pixels, int from, uint8_t* dst, int to, bool planar) {
  for (int64_t i = 0; i < pixels; ++i) {
    const uint8_t* p = src + i * from;
    uint8_t v[4] = {0, 0, 0, 255};
    bool color = from >= 3;
    bool alpha = from == 2 || from == 4;
    uint8_t a = alpha ? p[from - 1] : 255;
    switch (to) {
      case 1: v[0] = color ? luma(p[0], p[1], p[2]) : p[0]; break;
      case 2: v[0] = color ? luma(p[0], p[1], p[2]) : p[0]; v[1] = a; break;
      case 3:
      case 4:
        v[0] = p[0];
        v[1] = color ? p[1] : p[0];
        v[2] = color ? p[2] : p[0];
        v[3] = a;
        break;
    }
    if (planar) {
      for (int c = 0; c < to; ++c) dst[c * pixels + i] = v[c];
    } else {
      std::memcpy(dst + i * to, v, static_cast<size_t>(to));
    }
  }
}

// CMYK to RGB in place-compatible form (dst may not alias src): plain JPEG CMYK stores ink amounts, Adobe's stores
// them inverted; either way red = (1 - C)(1 - K), and so on.
void cmyk_to_rgb(const uint8_t* src, int64_t pixels, bool inverted, uint8_t* dst) {
  for (int64_t i = 0; i < pixels; ++i) {
    int c = src[4 * i], m = src[4 * i + 1], y = src[4 * i + 2], k = src[4 * i + 3];
    if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
    dst[3 * i] = static_cast<uint8_t>((c * k + 127) / 255);
    dst[3 * i + 1] = static_cast<uint8_t>((m * k + 127) / 255);
    dst[3 * i + 2] = static_cast<uint8_t>((y * k + 127) / 255);
  }
}

// A (H, W, C) or (C, H, W) uint8 tensor of `to` channels (0: the source's own) from interleaved source pixels.
at::Tensor to_tensor(const uint8_t* src, int64_t height, int64_t width, int from, int to, bool planar) {
  if (to == 0) to = from;
  auto shape = planar ? std::vector<int64_t>{to, height, width} : std::vector<int64_t>{height, width, to};
  auto result = at::empty(shape, at::kByte);
  auto* dst = result.data_ptr<uint8_t>();
  if (to == from && !planar) {
    std::memcpy(dst, src, static_cast<size_t>(height * width * from));
  } else {
    convert_channels(src, height * width, from, dst, to, planar);
  }
  return result;
}

at::Tensor decode_jpeg(const uint8_t* data, int64_t length, int channels, bool planar) {
  JpegState state;
  JpegPixels pixels;
  const char* error = jpeg_decode_c(data, static_cast<unsigned long>(length), &state, &pixels);
  TORCH_CHECK_VALUE(error == nullptr, "JPEG: ", error);
  std::unique_ptr<unsigned char, FreeDeleter> owned(pixels.data);
  if (pixels.channels == 4) {
    std::unique_ptr<unsigned char, FreeDeleter> rgb(
        static_cast<unsigned char*>(malloc(static_cast<size_t>(pixels.height * pixels.width * 3))));
    if (!rgb) throw std::bad_alloc();
    cmyk_to_rgb(owned.get(), pixels.height * pixels.width, pixels.adobe_cmyk, rgb.get());
    owned = std::move(rgb);
    pixels.channels = 3;
  }
  return to_tensor(owned.get(), pixels.height, pixels.width, pixels.channels, channels, planar);
}

// ---- PNG -------------------------------------------------------------------------------------------------------------
//
// The simplified API (png_image_*) keeps its setjmp/longjmp inside libpng and reports failure by return value, so
// ordinary C++ is safe around it. It expands palettes, low bit depths and tRNS transparency to 8-bit gray/RGB(A).

struct PngImage {
  png_image image{};
  PngImage() { image.version = PNG_IMAGE_VERSION; }
  ~PngImage() { png_image_free(&image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
};

at::Tensor decode_png(const uint8_t* data, int64_t length, int channels, bool planar) {
  PngImage png;
  TORCH_CHECK_VALUE(png_image_begin_read_from_memory(&png.image, data, static_cast<size_t>(length)) != 0,
                    "PNG: ", png.image.message);
  // The LINEAR flag marks 16-bit files; the simplified API would hand them back gamma-decoded, not as stored.
  TORCH_CHECK_VALUE((png.image.format & PNG_FORMAT_FLAG_LINEAR) == 0,
                    "PNG: 16-bit images are not supported (only 8-bit and lower bit depths)");
  png.image.format &= PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA;  // palettes are expanded to direct color
  int from = static_cast<int>(PNG_IMAGE_SAMPLE_CHANNELS(png.image.format));
  int64_t height = png.image.height, width = png.image.width;
  int to = channels == 0 ? from : channels;
  auto decoded = at::empty({height, width, from}, at::kByte);
  TORCH_CHECK_VALUE(png_image_finish_read(&png.image, nullptr, decoded.data_ptr<uint8_t>(), 0, nullptr) != 0,
                    "PNG: ", png.image.message);
  // libpng stops once the image data is complete, so a file cut after that point would pass unnoticed.
  static const uint8_t iend[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  TORCH_CHECK_VALUE(std::search(data, data + length, iend, iend + sizeof iend) != data + length,
                    "PNG: the file is truncated (no IEND chunk after the image data)");
  if (to == from && !planar) return decoded;
  return to_tensor(decoded.data_ptr<uint8_t>(), height, width, from, to, planar);
}

// ---- format detection ------------------------------------------------------------------------------------------------

bool starts_with(const uint8_t* data, int64_t length, const char* sig, int64_t n, int64_t at = 0) {
  return length >= at + n && std::memcmp(data + at, sig, static_cast<size_t>(n)) == 0;
}

// Names formats we recognise but do not decode, so the error says what the file is.
std::string describe_unsupported(const uint8_t* data, int64_t length) {
  if (starts_with(data, length, "GIF8", 4)) return "a GIF image, which is not supported (PNG and JPEG are)";
  if (starts_with(data, length, "BM", 2)) return "a BMP image, which is not supported (PNG and JPEG are)";
  if (starts_with(data, length, "RIFF", 4) && starts_with(data, length, "WEBP", 4, 8))
    return "a WebP image, which is not supported (PNG and JPEG are)";
  if (starts_with(data, length, "II*\0", 4) || starts_with(data, length, "MM\0*", 4))
    return "a TIFF image, which is not supported (PNG and JPEG are)";
  std::string hex;
  char buf[4];
  for (int64_t i = 0; i < std::min<int64_t>(length, 8); ++i) {
    snprintf(buf, sizeof buf, "%02X ", data[i]);
    hex += buf;
  }
  if (!hex.empty()) hex.pop_back();
  return "neither a PNG nor a JPEG image (it starts with bytes " + (hex.empty() ? std::string("<none>") : hex) + ")";
}

}  // namespace

// Decodes a PNG or JPEG held in memory into a new uint8 tensor: (H, W, C) when chw is 0, (C, H, W) otherwise.
// channels: 0 keeps the image's own (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), or 1, 3 or 4 converts (gray repeats to
// RGB, RGB becomes gray by ITU-R 601-2 luma, alpha is dropped or added opaque). Corrupt, truncated and unsupported
// images fail with a ValueError naming the problem.
MLR_API mlr_status mlr_image_decode(const uint8_t* data, int64_t length, int32_t channels, int32_t chw,
                                    mlr_tensor* out) {
  return mlr::guard([&] {
    if (channels != 0 && channels != 1 && channels != 3 && channels != 4)
      throw mlr::ArgumentError("channels must be 0 (as stored), 1, 3 or 4, got " + std::to_string(channels));
    if (data == nullptr && length != 0) throw mlr::ArgumentError("image data is null");
    TORCH_CHECK_VALUE(length > 0, "the image data is empty (0 bytes)");
    bool planar = chw != 0;
    if (starts_with(data, length, "\x89PNG\r\n\x1a\n", 8)) {
      *out = mlr::wrap(decode_png(data, length, channels, planar));
    } else if (starts_with(data, length, "\xff\xd8\xff", 3)) {
      *out = mlr::wrap(decode_jpeg(data, length, channels, planar));
    } else {
      TORCH_CHECK_VALUE(false, "the data is ", describe_unsupported(data, length));
    }
  });
}
