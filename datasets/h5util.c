/* HDF5 helpers: opening with clear errors, attributes, datasets, atomic
 * files. See h5util.h for the contracts. */
#include "datasets/h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/durable_file.h"
#include "engine/alloc.h"

void ct_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

typedef struct {
    char *buf;
    size_t size;
} ct_h5_detail_ctx;

static herr_t ct_h5_detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    ct_h5_detail_ctx *ctx = data;
    if (n == 0 && e->desc) {
        snprintf(ctx->buf, ctx->size, "%s", e->desc);
        for (char *c = ctx->buf; *c; c++)
            if (*c == '\n')
                *c = ' '; /* a write error's text holds a line break: the error stays one line */
    }
    return 0;
}

const char *ct_h5_error_detail(char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    ct_h5_detail_ctx ctx = {buf, size};
    /* Upward: the first record is where the error was first detected. */
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, ct_h5_detail_cb, &ctx);
    return buf;
}

hid_t ct_h5_open_file(const char *path, unsigned flags, ct_error *err)
{
    ct_h5_quiet();
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return ct_fail(err, "%s: no such file", path);
        return ct_fail(err, "%s: cannot access it: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return ct_fail(err, "%s: is a directory, expected an HDF5 file", path);
    /* A reader takes no file lock: flock fails on parallel filesystems
     * without it (Lustre, NFS) and would refuse to read a file that another
     * process has open for writing. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (flags == H5F_ACC_RDONLY)
        H5Pset_file_locking(fapl, 0, 1);
    hid_t file = H5Fopen(path, flags, fapl);
    char detail[512];
    ct_h5_error_detail(detail, sizeof detail); /* before H5Pclose or H5Fis_hdf5 reset the stack */
    H5Pclose(fapl);
    if (file >= 0)
        return file;
    /* Say why: no HDF5 signature at all, or a damaged HDF5 file. */
    if (H5Fis_hdf5(path) == 0)
        return ct_fail(err, "%s: not an HDF5 file (no HDF5 signature in its %lld bytes)", path,
                       (long long)st.st_size);
    if (strstr(detail, "unable to lock"))
        return ct_fail(err, "%s: HDF5 cannot lock it: is another process writing it? (HDF5: %s)", path, detail);
    return ct_fail(err, "%s: HDF5 cannot open it: truncated or corrupt file? (HDF5: %s)", path, detail);
}

typedef struct {
    char *buf;
    size_t size;
    size_t used;
    int count;
} ct_h5_list_ctx;

static herr_t ct_h5_list_cb(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    (void)group;
    (void)info;
    ct_h5_list_ctx *ctx = data;
    if (ctx->used < ctx->size) {
        int n = snprintf(ctx->buf + ctx->used, ctx->size - ctx->used, "%s%s", ctx->count ? ", " : "",
                         name);
        if (n > 0)
            ctx->used += (size_t)n;
    }
    ctx->count++;
    return 0;
}

const char *ct_h5_list_group(hid_t loc, const char *group_path, char *buf, size_t size)
{
    ct_h5_quiet();
    if (size == 0)
        return buf;
    buf[0] = '\0';
    hid_t group = H5Gopen2(loc, group_path, H5P_DEFAULT);
    if (group < 0) {
        snprintf(buf, size, "(cannot be listed)");
        return buf;
    }
    ct_h5_list_ctx ctx = {buf, size, 0, 0};
    hsize_t idx = 0;
    if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &idx, ct_h5_list_cb, &ctx) < 0 && ctx.count == 0)
        snprintf(buf, size, "(cannot be listed)");
    else if (ctx.count == 0)
        snprintf(buf, size, "nothing");
    H5Gclose(group);
    return buf;
}

/* The parent group of an absolute path: "/train/images" -> "/train". */
static void ct_h5_parent(const char *obj, char *parent, size_t size)
{
    snprintf(parent, size, "%s", obj);
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, size, "/");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
}

hid_t ct_h5_open_dataset(hid_t file, const char *file_name, const char *obj, ct_error *err)
{
    ct_h5_quiet();
    char prefix[1024], parent[1024], members[512];
    if (obj[0] != '/' || strlen(obj) >= sizeof prefix)
        return ct_fail(err, "%s: bad dataset path '%s' (expected an absolute path such as /train/images)",
                       file_name, obj);
    /* Walk the path one component at a time so that the message can say
     * which group is missing and what its parent holds. */
    size_t len = strlen(obj);
    for (size_t i = 1; i <= len; i++) {
        if (obj[i] != '/' && obj[i] != '\0')
            continue;
        if (obj[i - 1] == '/')
            continue; /* "//" or a trailing slash */
        memcpy(prefix, obj, i);
        prefix[i] = '\0';
        int last = obj[i] == '\0';
        htri_t exists = H5Lexists(file, prefix, H5P_DEFAULT);
        if (exists <= 0) {
            ct_h5_parent(prefix, parent, sizeof parent);
            ct_h5_list_group(file, parent, members, sizeof members);
            if (strcmp(parent, "/") == 0)
                return ct_fail(err, "%s: no %s %s (the file's root / contains: %s)", file_name,
                               last ? "dataset" : "group", prefix, members);
            return ct_fail(err, "%s: no %s %s (group %s contains: %s)", file_name,
                           last ? "dataset" : "group", prefix, parent, members);
        }
        hid_t o = H5Oopen(file, prefix, H5P_DEFAULT);
        char detail[512];
        if (o < 0)
            return ct_fail(err, "%s: %s: HDF5 cannot open it: corrupt file? (HDF5: %s)", file_name, prefix,
                           ct_h5_error_detail(detail, sizeof detail));
        H5I_type_t t = H5Iget_type(o);
        if (!last) {
            H5Oclose(o);
            if (t != H5I_GROUP)
                return ct_fail(err, "%s: %s is a %s, expected a group", file_name, prefix,
                               t == H5I_DATASET ? "dataset" : "named datatype");
            continue;
        }
        if (t != H5I_DATASET) {
            H5Oclose(o);
            return ct_fail(err, "%s: %s is a %s, expected a dataset", file_name, prefix,
                           t == H5I_GROUP ? "group" : "named datatype");
        }
        return o;
    }
    return ct_fail(err, "%s: bad dataset path '%s'", file_name, obj);
}

int ct_h5_check_filters(hid_t dset, ct_error *err)
{
    ct_h5_quiet();
    hid_t dcpl = H5Dget_create_plist(dset);
    if (dcpl < 0)
        return CT_OK; /* nothing to say here; the read will fail with a reason */
    int rc = CT_OK;
    int n = H5Pget_nfilters(dcpl);
    for (int i = 0; i < n && rc == CT_OK; i++) {
        unsigned flags, values[8], config;
        size_t nvalues = 8;
        char name[128] = "";
        H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nvalues, values, sizeof name, name, &config);
        if (f >= 0 && H5Zfilter_avail(f) <= 0)
            rc = ct_fail(err,
                         "stored with filter %d (%s), which this HDF5 library does not have: rewrite it with gzip "
                         "(h5py: compression='gzip')",
                         (int)f, name[0] ? name : "unnamed");
    }
    H5Pclose(dcpl);
    return rc;
}

const char *ct_h5_type_name(hid_t type, char *buf, size_t size)
{
    size_t bits = H5Tget_size(type) * 8;
    switch (H5Tget_class(type)) {
    case H5T_INTEGER:
        snprintf(buf, size, "%sint%zu%s", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits,
                 bits > 8 && H5Tget_order(type) == H5T_ORDER_BE ? " big-endian" : "");
        break;
    case H5T_FLOAT:
        snprintf(buf, size, "float%zu%s", bits,
                 H5Tget_order(type) == H5T_ORDER_BE ? " big-endian" : "");
        break;
    case H5T_STRING:
        snprintf(buf, size, "string");
        break;
    case H5T_ENUM: snprintf(buf, size, "enum"); break;
    case H5T_COMPOUND: snprintf(buf, size, "compound"); break;
    case H5T_ARRAY: snprintf(buf, size, "array"); break;
    case H5T_VLEN: snprintf(buf, size, "vlen"); break;
    case H5T_OPAQUE: snprintf(buf, size, "opaque"); break;
    case H5T_REFERENCE: snprintf(buf, size, "reference"); break;
    case H5T_BITFIELD: snprintf(buf, size, "bitfield"); break;
    case H5T_TIME: snprintf(buf, size, "time"); break;
    default: snprintf(buf, size, "unknown type"); break;
    }
    return buf;
}

const char *ct_h5_space_str(hid_t space, char *buf, size_t size)
{
    H5S_class_t cls = H5Sget_simple_extent_type(space);
    if (cls == H5S_SCALAR) {
        snprintf(buf, size, "scalar");
        return buf;
    }
    if (cls != H5S_SIMPLE) {
        snprintf(buf, size, "null");
        return buf;
    }
    hsize_t dims[H5S_MAX_RANK];
    int rank = H5Sget_simple_extent_dims(space, dims, NULL);
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ", %llu" : "%llu", (unsigned long long)dims[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

int ct_h5_has_attr(hid_t obj, const char *name)
{
    ct_h5_quiet();
    return H5Aexists(obj, name) > 0;
}

/* Opens attribute `name`; fills type/space/npoints. */
static hid_t ct_h5_attr_open(hid_t obj, const char *name, hid_t *type, int64_t *npoints, ct_error *err)
{
    ct_h5_quiet();
    if (H5Aexists(obj, name) <= 0)
        return ct_fail(err, "attribute %s: missing", name);
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    char detail[512];
    if (attr < 0)
        return ct_fail(err, "attribute %s: HDF5 cannot open it (HDF5: %s)", name,
                       ct_h5_error_detail(detail, sizeof detail));
    hid_t space = H5Aget_space(attr);
    *npoints = space >= 0 ? (int64_t)H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0)
        H5Sclose(space);
    *type = H5Aget_type(attr);
    if (*type < 0 || *npoints < 0) {
        if (*type >= 0)
            H5Tclose(*type);
        H5Aclose(attr);
        return ct_fail(err, "attribute %s: HDF5 cannot read its type or shape", name);
    }
    return attr;
}

int64_t ct_h5_attr_numel(hid_t obj, const char *name, ct_error *err)
{
    hid_t type;
    int64_t n;
    hid_t attr = ct_h5_attr_open(obj, name, &type, &n, err);
    if (attr < 0)
        return -1;
    H5Tclose(type);
    H5Aclose(attr);
    return n;
}

/* Reads one number of an attribute as mem_type; integer_only rejects floats. */
static int ct_h5_attr_number(hid_t obj, const char *name, hid_t mem_type, void *value, int integer_only,
                             ct_error *err)
{
    hid_t type;
    int64_t n;
    hid_t attr = ct_h5_attr_open(obj, name, &type, &n, err);
    if (attr < 0)
        return CT_ERR;
    H5T_class_t cls = H5Tget_class(type);
    int ok = n == 1 && (cls == H5T_INTEGER || (!integer_only && cls == H5T_FLOAT));
    int rc = CT_OK;
    if (!ok) {
        char tname[64];
        ct_h5_type_name(type, tname, sizeof tname);
        rc = ct_fail(err, "attribute %s: expected one %s, found %s with %lld element%s", name,
                     integer_only ? "integer" : "number", tname, (long long)n, n == 1 ? "" : "s");
    } else if (H5Aread(attr, mem_type, value) < 0) {
        char detail[512];
        rc = ct_fail(err, "attribute %s: HDF5 cannot read it (HDF5: %s)", name,
                     ct_h5_error_detail(detail, sizeof detail));
    }
    H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

int ct_h5_attr_double(hid_t obj, const char *name, double *value, ct_error *err)
{
    return ct_h5_attr_number(obj, name, H5T_NATIVE_DOUBLE, value, 0, err);
}

int ct_h5_attr_int64(hid_t obj, const char *name, int64_t *value, ct_error *err)
{
    return ct_h5_attr_number(obj, name, H5T_NATIVE_INT64, value, 1, err);
}

/* Reads n strings of an attribute (is_attr) or dataset with file type
 * `type` into values[n] (each ct_malloc'ed). */
static int ct_h5_read_strings(hid_t obj, int is_attr, hid_t type, size_t n, char **values, ct_error *err)
{
    char detail[512];
    hid_t mem = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mem, H5Tget_cset(type));
    int rc = CT_OK;
    if (H5Tis_variable_str(type) > 0) {
        H5Tset_size(mem, H5T_VARIABLE);
        char **raw = ct_calloc(n ? n : 1, sizeof *raw);
        herr_t st = is_attr ? H5Aread(obj, mem, raw) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
        if (st < 0) {
            rc = ct_fail(err, "HDF5 cannot read the string (HDF5: %s)", ct_h5_error_detail(detail, sizeof detail));
            n = 0;
        }
        for (size_t i = 0; i < n; i++) {
            values[i] = ct_strdup(raw[i] ? raw[i] : "");
            H5free_memory(raw[i]);
        }
        ct_free(raw);
    } else {
        size_t len = H5Tget_size(type);
        H5Tset_size(mem, len + 1); /* room for the NUL HDF5 adds */
        H5Tset_strpad(mem, H5T_STR_NULLTERM);
        char *raw = ct_malloc(n * (len + 1) + 1);
        herr_t st = is_attr ? H5Aread(obj, mem, raw) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
        if (st < 0) {
            rc = ct_fail(err, "HDF5 cannot read the string (HDF5: %s)", ct_h5_error_detail(detail, sizeof detail));
            n = 0;
        }
        for (size_t i = 0; i < n; i++) {
            char *s = raw + i * (len + 1);
            s[len] = '\0';
            size_t k = strlen(s);
            while (k > 0 && s[k - 1] == ' ' && H5Tget_strpad(type) == H5T_STR_SPACEPAD)
                s[--k] = '\0';
            values[i] = ct_strdup(s);
        }
        ct_free(raw);
    }
    H5Tclose(mem);
    return rc;
}

int ct_h5_attr_string(hid_t obj, const char *name, char **value, ct_error *err)
{
    *value = NULL;
    hid_t type;
    int64_t n;
    hid_t attr = ct_h5_attr_open(obj, name, &type, &n, err);
    if (attr < 0)
        return CT_ERR;
    int rc;
    if (H5Tget_class(type) != H5T_STRING || n != 1) {
        char tname[64];
        rc = ct_fail(err, "attribute %s: expected one string, found %s with %lld elements", name,
                     ct_h5_type_name(type, tname, sizeof tname), (long long)n);
    } else {
        rc = ct_h5_read_strings(attr, 1, type, 1, value, err);
        if (rc != CT_OK)
            ct_fail_context(err, "attribute %s", name);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

int ct_h5_attr_strings(hid_t obj, const char *name, char ***values, size_t *count, ct_error *err)
{
    *values = NULL;
    *count = 0;
    hid_t type;
    int64_t n;
    hid_t attr = ct_h5_attr_open(obj, name, &type, &n, err);
    if (attr < 0)
        return CT_ERR;
    int rc;
    if (H5Tget_class(type) != H5T_STRING) {
        char tname[64];
        rc = ct_fail(err, "attribute %s: expected strings, found %s", name,
                     ct_h5_type_name(type, tname, sizeof tname));
    } else {
        char **v = ct_calloc(n ? (size_t)n : 1, sizeof *v);
        rc = ct_h5_read_strings(attr, 1, type, (size_t)n, v, err);
        if (rc == CT_OK) {
            *values = v;
            *count = (size_t)n;
        } else {
            ct_free(v);
            ct_fail_context(err, "attribute %s", name);
        }
    }
    H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

void ct_h5_free_strings(char **values, size_t count)
{
    if (!values)
        return;
    for (size_t i = 0; i < count; i++)
        ct_free(values[i]);
    ct_free(values);
}

/* Creates attribute `name` of type over space (replacing an old one) and
 * writes data. */
static int ct_h5_attr_write(hid_t obj, const char *name, hid_t type, hid_t space, const void *data,
                            ct_error *err)
{
    ct_h5_quiet();
    char detail[512];
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return ct_fail(err, "attribute %s: cannot replace it (HDF5: %s)", name,
                       ct_h5_error_detail(detail, sizeof detail));
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0)
        return ct_fail(err, "attribute %s: cannot create it (HDF5: %s)", name,
                       ct_h5_error_detail(detail, sizeof detail));
    int rc = CT_OK;
    if (H5Awrite(attr, type, data) < 0)
        rc = ct_fail(err, "attribute %s: cannot write it (HDF5: %s)", name,
                     ct_h5_error_detail(detail, sizeof detail));
    H5Aclose(attr);
    return rc;
}

static int ct_h5_attr_write_scalar(hid_t obj, const char *name, hid_t type, const void *data, ct_error *err)
{
    hid_t space = H5Screate(H5S_SCALAR);
    int rc = ct_h5_attr_write(obj, name, type, space, data, err);
    H5Sclose(space);
    return rc;
}

int ct_h5_write_attr_float(hid_t obj, const char *name, float value, ct_error *err)
{
    return ct_h5_attr_write_scalar(obj, name, H5T_NATIVE_FLOAT, &value, err);
}

int ct_h5_write_attr_double(hid_t obj, const char *name, double value, ct_error *err)
{
    return ct_h5_attr_write_scalar(obj, name, H5T_NATIVE_DOUBLE, &value, err);
}

int ct_h5_write_attr_int64(hid_t obj, const char *name, int64_t value, ct_error *err)
{
    return ct_h5_attr_write_scalar(obj, name, H5T_NATIVE_INT64, &value, err);
}

static hid_t ct_h5_utf8_type(void)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

int ct_h5_write_attr_string(hid_t obj, const char *name, const char *value, ct_error *err)
{
    hid_t type = ct_h5_utf8_type();
    int rc = ct_h5_attr_write_scalar(obj, name, type, &value, err);
    H5Tclose(type);
    return rc;
}

int ct_h5_write_attr_strings(hid_t obj, const char *name, const char *const *values, size_t n, ct_error *err)
{
    hid_t type = ct_h5_utf8_type();
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    int rc = ct_h5_attr_write(obj, name, type, space, values, err);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

int ct_h5_write_attr_array(hid_t obj, const char *name, hid_t type, const void *values, size_t n, ct_error *err)
{
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    int rc = ct_h5_attr_write(obj, name, type, space, values, err);
    H5Sclose(space);
    return rc;
}

hid_t ct_h5_write_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const hsize_t *chunk, int gzip_level, const void *data, ct_error *err)
{
    ct_h5_quiet();
    char detail[512];
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    if (chunk) {
        H5Pset_chunk(dcpl, rank, chunk);
        if (gzip_level > 0)
            H5Pset_deflate(dcpl, (unsigned)gzip_level);
    }
    hid_t dset = H5Dcreate2(loc, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0)
        ct_fail(err, "%s: cannot create the dataset (HDF5: %s)", name, ct_h5_error_detail(detail, sizeof detail));
    else if (data && H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        ct_fail(err, "%s: cannot write the dataset (HDF5: %s)", name, ct_h5_error_detail(detail, sizeof detail));
        H5Dclose(dset);
        dset = -1;
    }
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    return dset;
}

int ct_h5_write_string(hid_t loc, const char *name, const char *text, ct_error *err)
{
    ct_h5_quiet();
    hid_t type = ct_h5_utf8_type();
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    char detail[512];
    int rc = CT_OK;
    hid_t dset = H5Dcreate2(loc, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0)
        rc = ct_fail(err, "%s: cannot create the dataset (HDF5: %s)", name, ct_h5_error_detail(detail, sizeof detail));
    else if (H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0)
        rc = ct_fail(err, "%s: cannot write the dataset (HDF5: %s)", name, ct_h5_error_detail(detail, sizeof detail));
    if (dset >= 0)
        H5Dclose(dset);
    H5Pclose(lcpl);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

int ct_h5_read_string(hid_t loc, const char *name, char **text, ct_error *err)
{
    ct_h5_quiet();
    *text = NULL;
    char detail[512];
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    if (dset < 0)
        return ct_fail(err, "%s: no such dataset (HDF5: %s)", name, ct_h5_error_detail(detail, sizeof detail));
    hid_t type = H5Dget_type(dset);
    hid_t space = H5Dget_space(dset);
    int rc;
    if (H5Tget_class(type) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1) {
        char tname[64], shape[64];
        rc = ct_fail(err, "%s: expected one string, found %s %s", name, ct_h5_type_name(type, tname, sizeof tname),
                     ct_h5_space_str(space, shape, sizeof shape));
    } else {
        rc = ct_h5_read_strings(dset, 0, type, 1, text, err);
        if (rc != CT_OK)
            ct_fail_context(err, "%s", name);
    }
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(dset);
    return rc;
}

hid_t ct_h5_create_tmp(const char *path, char *tmp, size_t tmp_size, ct_error *err)
{
    ct_h5_quiet();
    int n = snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= tmp_size)
        return ct_fail(err, "%s: path too long", path);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    errno = 0;
    hid_t file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    int saved = errno;
    char detail[512];
    ct_h5_error_detail(detail, sizeof detail); /* before H5Pclose clears the stack */
    H5Pclose(fapl);
    if (file < 0 && saved)
        return ct_fail(err, "%s: cannot create it: %s", tmp, strerror(saved));
    if (file < 0)
        return ct_fail(err, "%s: cannot create it (HDF5: %s)", tmp, detail);
    return file;
}

int ct_h5_commit_tmp(hid_t file, const char *tmp, const char *path, ct_error *err)
{
    ct_h5_quiet();
    char detail[512];
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) {
        ct_fail(err, "%s: cannot flush it (HDF5: %s)", tmp, ct_h5_error_detail(detail, sizeof detail));
        ct_h5_discard_tmp(file, tmp);
        return CT_ERR;
    }
    if (H5Fclose(file) < 0) {
        ct_fail(err, "%s: cannot close it (HDF5: %s)", tmp, ct_h5_error_detail(detail, sizeof detail));
        unlink(tmp);
        return CT_ERR;
    }
    return ct_file_commit(tmp, path, err);
}

void ct_h5_discard_tmp(hid_t file, const char *tmp)
{
    ct_h5_quiet();
    if (file >= 0)
        H5Fclose(file);
    if (tmp && tmp[0])
        unlink(tmp);
}
