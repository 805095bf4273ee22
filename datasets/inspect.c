/* Prints an HDF5 dataset file as a tree: groups, datasets (type, shape,
 * layout, filters) and attributes (values of small ones). Each object is
 * shown once: another hard link to it (even a group linked into itself)
 * prints where it was shown. */
#include <stdio.h>
#include <string.h>

#include "datasets/h5util.h"
#include "datasets/importers.h"
#include "engine/alloc.h"

#define CT_INSPECT_MAX_VALUES 16 /* attributes with more elements are summarised */

/* An object already shown, and the path it was shown at. */
typedef struct ct_inspect_seen {
    unsigned long fileno;
    haddr_t addr;
    char *path;
} ct_inspect_seen;

typedef struct ct_inspect_ctx {
    FILE *out;
    int depth;
    const char *path;      /* the file */
    char where[4096];      /* absolute path of the group being listed */
    ct_inspect_seen *seen; /* [nseen] */
    size_t nseen, cap;
    ct_error *err;
    int failed;
} ct_inspect_ctx;

/* NULL the first time obj is met (it is then recorded as shown at path),
 * afterwards the path it was shown at. */
static const char *ct_inspect_visit(ct_inspect_ctx *ctx, hid_t obj, const char *path)
{
    H5O_info_t info;
    if (H5Oget_info2(obj, &info, H5O_INFO_BASIC) < 0)
        return "(an object HDF5 cannot identify)";
    for (size_t i = 0; i < ctx->nseen; i++)
        if (ctx->seen[i].fileno == info.fileno && ctx->seen[i].addr == info.addr)
            return ctx->seen[i].path;
    if (ctx->nseen == ctx->cap) {
        ctx->cap = ctx->cap ? 2 * ctx->cap : 16;
        ctx->seen = ct_realloc(ctx->seen, ctx->cap * sizeof *ctx->seen);
    }
    ctx->seen[ctx->nseen++] = (ct_inspect_seen){info.fileno, info.addr, ct_strdup(path)};
    return NULL;
}

static void ct_inspect_indent(FILE *out, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("  ", out);
}

static void ct_inspect_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

/* Prints "@name = value  (type shape)". */
static void ct_inspect_attr(hid_t obj, const char *name, FILE *out, int depth)
{
    ct_inspect_indent(out, depth);
    fprintf(out, "@%s = ", name);
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
    hid_t space = attr >= 0 ? H5Aget_space(attr) : -1;
    if (type < 0 || space < 0) {
        fputs("(unreadable)\n", out);
        goto done;
    }
    char tname[64], shape[128];
    ct_h5_type_name(type, tname, sizeof tname);
    ct_h5_space_str(space, shape, sizeof shape);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    int scalar = H5Sget_simple_extent_type(space) == H5S_SCALAR;
    H5T_class_t cls = H5Tget_class(type);
    if (n > CT_INSPECT_MAX_VALUES || n < 0 ||
        (cls != H5T_STRING && cls != H5T_INTEGER && cls != H5T_FLOAT)) {
        fprintf(out, "(%s %s)\n", tname, shape);
        goto done;
    }
    if (!scalar)
        fputc('[', out);
    if (cls == H5T_STRING) {
        char **values;
        size_t count;
        if (ct_h5_attr_strings(obj, name, &values, &count, NULL) != CT_OK) {
            fputs("(unreadable)", out);
        } else {
            for (size_t i = 0; i < count; i++) {
                if (i)
                    fputs(", ", out);
                ct_inspect_string(out, values[i]);
            }
            ct_h5_free_strings(values, count);
        }
    } else {
        int integer = cls == H5T_INTEGER;
        int is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
        double d[CT_INSPECT_MAX_VALUES];
        long long i64[CT_INSPECT_MAX_VALUES];
        unsigned long long u64[CT_INSPECT_MAX_VALUES];
        void *buf = integer ? (is_signed ? (void *)i64 : (void *)u64) : (void *)d;
        hid_t mem = integer ? (is_signed ? H5T_NATIVE_LLONG : H5T_NATIVE_ULLONG) : H5T_NATIVE_DOUBLE;
        if (H5Aread(attr, mem, buf) < 0) {
            fputs("(unreadable)", out);
        } else {
            for (hssize_t i = 0; i < n; i++) {
                if (i)
                    fputs(", ", out);
                if (!integer)
                    fprintf(out, "%.9g", d[i]);
                else if (is_signed)
                    fprintf(out, "%lld", i64[i]);
                else
                    fprintf(out, "%llu", u64[i]);
            }
        }
    }
    if (!scalar)
        fputc(']', out);
    fprintf(out, "  (%s%s%s)\n", tname, scalar ? "" : " ", scalar ? "" : shape);
done:
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (attr >= 0)
        H5Aclose(attr);
}

static herr_t ct_inspect_attr_cb(hid_t obj, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    ct_inspect_ctx *ctx = data;
    ct_inspect_attr(obj, name, ctx->out, ctx->depth);
    return 0;
}

static void ct_inspect_attrs(hid_t obj, ct_inspect_ctx *ctx)
{
    hsize_t idx = 0;
    H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, ct_inspect_attr_cb, ctx);
}

/* Prints "type shape, layout, filters, stored size". */
static void ct_inspect_dataset(hid_t d, FILE *out)
{
    hid_t type = H5Dget_type(d), space = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
    char tname[64], shape[256];
    fprintf(out, "%s %s", ct_h5_type_name(type, tname, sizeof tname), ct_h5_space_str(space, shape, sizeof shape));
    H5D_layout_t layout = H5Pget_layout(dcpl);
    if (layout == H5D_CHUNKED) {
        hsize_t chunk[H5S_MAX_RANK];
        int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
        fputs(", chunks [", out);
        for (int i = 0; i < rank; i++)
            fprintf(out, i ? ", %llu" : "%llu", (unsigned long long)chunk[i]);
        fputc(']', out);
        int nfilters = H5Pget_nfilters(dcpl);
        for (int i = 0; i < nfilters; i++) {
            unsigned flags, values[8], config;
            size_t nvalues = 8;
            char fname[64] = "";
            H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nvalues, values, sizeof fname, fname, &config);
            if (f == H5Z_FILTER_DEFLATE && nvalues > 0)
                fprintf(out, ", gzip %u", values[0]);
            else if (f == H5Z_FILTER_SHUFFLE)
                fputs(", shuffle", out);
            else
                fprintf(out, ", filter %d (%s)", (int)f, fname[0] ? fname : "unnamed");
        }
    } else {
        fputs(layout == H5D_COMPACT ? ", compact" : ", contiguous", out);
    }
    size_t esize = H5Tget_size(type);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    unsigned long long stored = (unsigned long long)H5Dget_storage_size(d);
    unsigned long long logical = (unsigned long long)esize * (unsigned long long)(n > 0 ? n : 0);
    fprintf(out, ", %llu bytes stored", stored);
    if (layout == H5D_CHUNKED && stored > 0)
        fprintf(out, " (%.2fx)", (double)logical / (double)stored);
    fputc('\n', out);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(type);
}

static herr_t ct_inspect_link_cb(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    ct_inspect_ctx *ctx = data;
    FILE *out = ctx->out;
    ct_inspect_indent(out, ctx->depth);
    if (info->type == H5L_TYPE_SOFT || info->type == H5L_TYPE_EXTERNAL) {
        fprintf(out, "%s -> (%s link)\n", name, info->type == H5L_TYPE_SOFT ? "soft" : "external");
        return 0;
    }
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    if (obj < 0) {
        char detail[512];
        fprintf(out, "%s: (cannot be opened)\n", name);
        ct_fail(ctx->err, "%s: %s: HDF5 cannot open it: corrupt file? (HDF5: %s)", ctx->path, name,
                ct_h5_error_detail(detail, sizeof detail));
        ctx->failed = 1;
        return 0;
    }
    size_t parent_len = strlen(ctx->where);
    snprintf(ctx->where + parent_len, sizeof ctx->where - parent_len, "%s%s", parent_len > 1 ? "/" : "", name);
    const char *shown = ct_inspect_visit(ctx, obj, ctx->where);
    H5I_type_t t = H5Iget_type(obj);
    ctx->depth++;
    if (shown) {
        fprintf(out, "%s -> %s (already shown)\n", name, shown);
    } else if (t == H5I_GROUP) {
        fprintf(out, "%s/\n", name);
        ct_inspect_attrs(obj, ctx);
        hsize_t idx = 0;
        H5Literate(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, ct_inspect_link_cb, ctx);
    } else if (t == H5I_DATASET) {
        fprintf(out, "%s: ", name);
        ct_inspect_dataset(obj, out);
        ct_inspect_attrs(obj, ctx);
    } else {
        fprintf(out, "%s: (named datatype)\n", name);
    }
    ctx->depth--;
    ctx->where[parent_len] = '\0';
    H5Oclose(obj);
    return 0;
}

int ct_inspect_file(const char *path, FILE *out, ct_error *err)
{
    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    ct_inspect_ctx ctx = {.out = out, .depth = 1, .path = path, .where = "/", .err = err};
    fprintf(out, "%s/\n", path);
    ct_inspect_visit(&ctx, file, "/");
    ct_inspect_attrs(file, &ctx);
    hsize_t idx = 0;
    herr_t st = H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, ct_inspect_link_cb, &ctx);
    H5Fclose(file);
    for (size_t i = 0; i < ctx.nseen; i++)
        ct_free(ctx.seen[i].path);
    ct_free(ctx.seen);
    if (ctx.failed)
        return CT_ERR;
    if (st < 0) {
        char detail[512];
        return ct_fail(err, "%s: HDF5 cannot list its groups: corrupt file? (HDF5: %s)", path,
                       ct_h5_error_detail(detail, sizeof detail));
    }
    return CT_OK;
}
