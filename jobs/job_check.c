/* What job.proto's types cannot say: required fields, ranges, and the shape
 * of the model. Errors point where the field was written (the marks table),
 * or at the nearest enclosing field written, or name the file alone for a
 * value that came from the defaults. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "jobs/job_internal.h"

typedef struct checker {
    const ct_marks *marks;
    const char *origin;
    ct_error *err;
} checker;

static int bad(const checker *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(const checker *c, const char *path, const char *fmt, ...)
{
    char where[512], msg[sizeof c->err->msg];
    const ct_loc *loc = c->marks ? ct_marks_find_near(c->marks, path) : NULL;
    if (loc)
        ct_loc_format(loc, where, sizeof where);
    else
        snprintf(where, sizeof where, "%s", c->origin);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ct_fail(c->err, "%s: %s: %s", where, path, msg);
}

/* " (the default)" for a value nobody wrote. */
static const char *dflt(const checker *c, const char *path)
{
    return c->marks && ct_marks_find(c->marks, path) ? "" : " (the default)";
}

static int at_least(const checker *c, const char *path, long long v, long long min)
{
    if (v >= min)
        return CT_OK;
    return bad(c, path, "expected an integer >= %lld, found %lld%s", min, v, dflt(c, path));
}

static int positive(const checker *c, const char *path, double v)
{
    if (isfinite(v) && v > 0)
        return CT_OK;
    return bad(c, path, "expected a number > 0, found %g%s", v, dflt(c, path));
}

static int non_negative(const checker *c, const char *path, double v)
{
    if (isfinite(v) && v >= 0)
        return CT_OK;
    return bad(c, path, "expected a number >= 0, found %g%s", v, dflt(c, path));
}

static int below_one(const checker *c, const char *path, double v)
{
    if (v >= 0 && v < 1)
        return CT_OK;
    return bad(c, path, "expected a number >= 0 and < 1, found %g%s", v, dflt(c, path));
}

static int probability(const checker *c, const char *path, double v)
{
    if (v >= 0 && v <= 1)
        return CT_OK;
    return bad(c, path, "expected a probability in [0, 1], found %g%s", v, dflt(c, path));
}

static int finite(const checker *c, const char *path, double v)
{
    if (isfinite(v))
        return CT_OK;
    return bad(c, path, "expected a finite number, found %g", v);
}

/* A size or count of a layer: the engine takes up to 2^31 - 1. */
static int size_in(const checker *c, const char *path, uint64_t v, uint64_t min)
{
    if (v >= min && v <= INT32_MAX)
        return CT_OK;
    return bad(c, path, "expected an integer >= %llu and <= %d, found %llu%s", (unsigned long long)min, INT32_MAX,
               (unsigned long long)v, dflt(c, path));
}

/* The YAML name of an enum value ("cross_entropy") into buf; returns buf. */
static const char *enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t size)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    size_t i = 0;
    for (; v && v->name[i] && i + 1 < size; i++)
        buf[i] = (char)tolower((unsigned char)v->name[i]);
    buf[i] = '\0';
    return buf;
}

static int check_train(const checker *c, const Ctrain__Train *t)
{
    if (!t)
        return CT_OK;
    if (at_least(c, "train.epochs", t->epochs, 1) || at_least(c, "train.batch_size", t->batch_size, 1) ||
        at_least(c, "train.eval_batch_size", t->eval_batch_size, 1) ||
        at_least(c, "train.max_steps", t->max_steps, 0) || positive(c, "train.bucket_mb", t->bucket_mb) ||
        non_negative(c, "train.collective_timeout_s", t->collective_timeout_s))
        return CT_ERR;
    return CT_OK;
}

/* An optimizer section at `at` ("optimizer", "model.networks[1].optimizer"). */
static int check_optimizer(const checker *c, const char *at, const Ctrain__Optimizer *o)
{
    if (!o)
        return CT_OK;
    char p[16][160];
    static const char *const names[] = {"lr", "momentum", "dampening", "weight_decay", "beta1", "beta2", "eps",
                                        "lr_min", "lr_gamma", "alpha", "clip_grad_norm", "clip_grad_value",
                                        "lr_step_epochs"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        snprintf(p[i], sizeof p[i], "%s.%s", at, names[i]);
    if (positive(c, p[0], o->lr) || non_negative(c, p[1], o->momentum) || finite(c, p[2], o->dampening) ||
        non_negative(c, p[3], o->weight_decay) || below_one(c, p[4], o->beta1) || below_one(c, p[5], o->beta2) ||
        positive(c, p[6], o->eps) || non_negative(c, p[7], o->lr_min) || positive(c, p[8], o->lr_gamma) ||
        non_negative(c, p[10], o->clip_grad_norm) || non_negative(c, p[11], o->clip_grad_value))
        return CT_ERR;
    if (!(o->alpha >= 0 && o->alpha <= 1))
        return bad(c, p[9], "expected a number >= 0 and <= 1, found %g%s", o->alpha, dflt(c, p[9]));
    if (o->lr_schedule == CTRAIN__LR_SCHEDULE__STEP)
        return at_least(c, p[12], o->lr_step_epochs, 1);
    if (o->lr_schedule == CTRAIN__LR_SCHEDULE__COSINE && o->lr_min > o->lr)
        return bad(c, p[7], "expected at most %s (%g) for a cosine schedule, found %g", p[0], o->lr, o->lr_min);
    return CT_OK;
}

/* A name used as a tensor-name prefix ("<name>.weight"). */
static int check_name(const checker *c, const char *path, const char *name)
{
    if (!name)
        return CT_OK;
    if (!*name || strchr(name, '.'))
        return bad(c, path, "expected a name that is not empty and has no '.', found '%s'", name);
    return CT_OK;
}

static const char *layer_name(const Ctrain__Layer *l, size_t index, char *buf, size_t size)
{
    if (l->name)
        return l->name;
    snprintf(buf, size, "%zu", index);
    return buf;
}

/* "<layer path>.<type>.<field>" into buf. */
static const char *field(char *buf, size_t size, const char *path, const char *type, const char *name)
{
    snprintf(buf, size, "%s.%s.%s", path, type, name);
    return buf;
}

/* The path of a field of the layer being checked (from the locals sub,
 * path and type of the check_* functions below). */
#define CT_FIELD(name) field(sub, sizeof sub, path, type, name)

/* The fields conv2d and conv_transpose2d share. */
static int check_conv_window(const checker *c, const char *path, const char *type, uint64_t in_channels,
                             uint64_t out_channels, uint64_t kernel_size, uint64_t stride, uint64_t padding)
{
    char sub[sizeof ((ct_path *)0)->s + 64];
    if (size_in(c, CT_FIELD("in_channels"), in_channels, 0) || size_in(c, CT_FIELD("out_channels"), out_channels, 1) ||
        size_in(c, CT_FIELD("kernel_size"), kernel_size, 1) || size_in(c, CT_FIELD("stride"), stride, 1) ||
        size_in(c, CT_FIELD("padding"), padding, 0))
        return CT_ERR;
    return CT_OK;
}

static int check_conv2d(const checker *c, const char *path, const Ctrain__Conv2d *m)
{
    return check_conv_window(c, path, "conv2d", m->in_channels, m->out_channels, m->kernel_size, m->stride,
                             m->padding);
}

static int check_conv_transpose2d(const checker *c, const char *path, const Ctrain__ConvTranspose2d *m)
{
    const char *type = "conv_transpose2d";
    char sub[sizeof ((ct_path *)0)->s + 64];
    if (check_conv_window(c, path, type, m->in_channels, m->out_channels, m->kernel_size, m->stride, m->padding))
        return CT_ERR;
    if (m->output_padding >= m->stride) /* PyTorch: smaller than stride (or dilation, which is 1) */
        return bad(c, CT_FIELD("output_padding"), "expected an integer smaller than stride (%llu), found %llu%s",
                   (unsigned long long)m->stride, (unsigned long long)m->output_padding,
                   dflt(c, CT_FIELD("output_padding")));
    return CT_OK;
}

static int check_pool(const checker *c, const char *path, const char *type, uint64_t kernel_size, uint64_t stride,
                      uint64_t padding)
{
    char sub[sizeof ((ct_path *)0)->s + 64];
    if (size_in(c, CT_FIELD("kernel_size"), kernel_size, 1) || size_in(c, CT_FIELD("stride"), stride, 0))
        return CT_ERR;
    if (padding > kernel_size / 2) /* as PyTorch: the padding never covers a whole window */
        return bad(c, CT_FIELD("padding"), "expected at most half of kernel_size (%llu), found %llu",
                   (unsigned long long)(kernel_size / 2), (unsigned long long)padding);
    return CT_OK;
}

/* A per-sample shape: 1 to 4 dimensions, each >= 1 except one -1. */
static int check_shape(const checker *c, const char *path, const int64_t *dims, size_t n)
{
    if (n < 1 || n > 4)
        return bad(c, path, "expected a list of 1 to 4 dimensions, found %zu", n);
    int unknown = 0;
    for (size_t i = 0; i < n; i++) {
        if (dims[i] == -1 && !unknown++)
            continue;
        if (dims[i] < 1 || dims[i] > INT32_MAX)
            return bad(c, path, "expected dimensions >= 1 (and at most one -1), found %lld at index %zu",
                       (long long)dims[i], i);
    }
    return CT_OK;
}

static int check_batch_norm(const checker *c, const char *path, const char *type, const Ctrain__BatchNorm *m)
{
    char sub[sizeof ((ct_path *)0)->s + 64];
    if (size_in(c, CT_FIELD("num_features"), m->num_features, 0) || positive(c, CT_FIELD("eps"), m->eps))
        return CT_ERR;
    if (!(m->momentum >= 0 && m->momentum <= 1))
        return bad(c, CT_FIELD("momentum"), "expected a number >= 0 and <= 1, found %g%s", m->momentum,
                   dflt(c, CT_FIELD("momentum")));
    return CT_OK;
}

/* Ids travel to the embedding as float32, exact up to 2^24. */
#define CT_MAX_EMBEDDINGS 16777216

static int check_embedding(const checker *c, const char *path, const Ctrain__Embedding *m)
{
    const char *type = "embedding";
    char sub[sizeof ((ct_path *)0)->s + 64];
    if (m->num_embeddings < 1 || m->num_embeddings > CT_MAX_EMBEDDINGS)
        return bad(c, CT_FIELD("num_embeddings"), "expected an integer >= 1 and <= %d (ids are float32, exact up to "
                   "2^24), found %llu%s", CT_MAX_EMBEDDINGS, (unsigned long long)m->num_embeddings,
                   dflt(c, CT_FIELD("num_embeddings")));
    return size_in(c, CT_FIELD("embedding_dim"), m->embedding_dim, 1);
}

/* The fields rnn, lstm and gru share. */
static int check_recurrent(const checker *c, const char *path, const char *type, uint64_t input_size,
                           uint64_t hidden_size, uint64_t num_layers, float dropout)
{
    char sub[sizeof ((ct_path *)0)->s + 64];
    if (size_in(c, CT_FIELD("input_size"), input_size, 0) || size_in(c, CT_FIELD("hidden_size"), hidden_size, 1) ||
        size_in(c, CT_FIELD("num_layers"), num_layers, 1) || below_one(c, CT_FIELD("dropout"), dropout))
        return CT_ERR;
    if (dropout > 0 && num_layers == 1) /* PyTorch warns; a dropout that does nothing is a mistake */
        return bad(c, CT_FIELD("dropout"), "expected 0 with num_layers 1 (dropout applies between stacked layers), "
                   "found %g", dropout);
    return CT_OK;
}

#undef CT_FIELD

static int check_layer(const checker *c, const char *path, const Ctrain__Layer *l)
{
    char sub[sizeof ((ct_path *)0)->s + 64];
    snprintf(sub, sizeof sub, "%s.name", path);
    if (check_name(c, sub, l->name))
        return CT_ERR;
    switch (l->type_case) {
    case CTRAIN__LAYER__TYPE__NOT_SET: {
        ct_strbuf types = {0};
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(&ctrain__layer__descriptor, CTRAIN__LAYER__TYPE_LINEAR);
        ct_pb_list_oneof(&ctrain__layer__descriptor, f, &types);
        bad(c, path, "expected a layer type (one of %s), found none", types.s);
        ct_strbuf_free(&types);
        return CT_ERR;
    }
    case CTRAIN__LAYER__TYPE_LINEAR:
        snprintf(sub, sizeof sub, "%s.linear.out_features", path);
        return at_least(c, sub, (long long)l->linear->out_features, 1);
    case CTRAIN__LAYER__TYPE_LEAKY_RELU:
        snprintf(sub, sizeof sub, "%s.leaky_relu.negative_slope", path);
        return finite(c, sub, l->leaky_relu->negative_slope);
    case CTRAIN__LAYER__TYPE_CONV2D:
        return check_conv2d(c, path, l->conv2d);
    case CTRAIN__LAYER__TYPE_CONV_TRANSPOSE2D:
        return check_conv_transpose2d(c, path, l->conv_transpose2d);
    case CTRAIN__LAYER__TYPE_MAX_POOL2D:
        return check_pool(c, path, "max_pool2d", l->max_pool2d->kernel_size, l->max_pool2d->stride,
                          l->max_pool2d->padding);
    case CTRAIN__LAYER__TYPE_AVG_POOL2D:
        return check_pool(c, path, "avg_pool2d", l->avg_pool2d->kernel_size, l->avg_pool2d->stride,
                          l->avg_pool2d->padding);
    case CTRAIN__LAYER__TYPE_UPSAMPLE:
        snprintf(sub, sizeof sub, "%s.upsample.scale_factor", path);
        return size_in(c, sub, l->upsample->scale_factor, 1);
    case CTRAIN__LAYER__TYPE_UNFLATTEN:
        snprintf(sub, sizeof sub, "%s.unflatten.unflattened_size", path);
        return check_shape(c, sub, l->unflatten->unflattened_size, l->unflatten->n_unflattened_size);
    case CTRAIN__LAYER__TYPE_RESHAPE:
        snprintf(sub, sizeof sub, "%s.reshape.shape", path);
        return check_shape(c, sub, l->reshape->shape, l->reshape->n_shape);
    case CTRAIN__LAYER__TYPE_BATCH_NORM1D:
        return check_batch_norm(c, path, "batch_norm1d", l->batch_norm1d);
    case CTRAIN__LAYER__TYPE_BATCH_NORM2D:
        return check_batch_norm(c, path, "batch_norm2d", l->batch_norm2d);
    case CTRAIN__LAYER__TYPE_DROPOUT:
        snprintf(sub, sizeof sub, "%s.dropout.p", path);
        return below_one(c, sub, l->dropout->p);
    case CTRAIN__LAYER__TYPE_ELU:
        snprintf(sub, sizeof sub, "%s.elu.alpha", path);
        return finite(c, sub, l->elu->alpha);
    case CTRAIN__LAYER__TYPE_EMBEDDING:
        return check_embedding(c, path, l->embedding);
    case CTRAIN__LAYER__TYPE_RNN:
        return check_recurrent(c, path, "rnn", l->rnn->input_size, l->rnn->hidden_size, l->rnn->num_layers,
                               l->rnn->dropout);
    case CTRAIN__LAYER__TYPE_LSTM:
        return check_recurrent(c, path, "lstm", l->lstm->input_size, l->lstm->hidden_size, l->lstm->num_layers,
                               l->lstm->dropout);
    case CTRAIN__LAYER__TYPE_GRU:
        return check_recurrent(c, path, "gru", l->gru->input_size, l->gru->hidden_size, l->gru->num_layers,
                               l->gru->dropout);
    default:
        return CT_OK;
    }
}

static int check_network(const checker *c, size_t i, const Ctrain__Network *net)
{
    char path[256], lpath[320], a[32], b[32];
    snprintf(path, sizeof path, "model.networks[%zu].name", i);
    if (check_name(c, path, net->name))
        return CT_ERR;
    snprintf(path, sizeof path, "model.networks[%zu].optimizer", i);
    if (check_optimizer(c, path, net->optimizer))
        return CT_ERR;
    snprintf(path, sizeof path, "model.networks[%zu].layers", i);
    if (net->n_layers == 0)
        return bad(c, path, "expected at least one layer, found none");
    for (size_t j = 0; j < net->n_layers; j++) {
        snprintf(lpath, sizeof lpath, "%s[%zu]", path, j);
        if (check_layer(c, lpath, net->layers[j]))
            return CT_ERR;
        const char *name = layer_name(net->layers[j], j, a, sizeof a);
        for (size_t k = 0; k < j; k++)
            if (strcmp(name, layer_name(net->layers[k], k, b, sizeof b)) == 0)
                return bad(c, lpath, "layer name '%s' is already used by layer %zu: tensor names must be unique",
                           name, k);
    }
    return CT_OK;
}

/* A two-network family's networks: names[0] then names[1]. */
static int check_two_networks(const checker *c, const Ctrain__Model *m, const char *family,
                              const char *const names[2])
{
    if (m->n_networks != 2)
        return bad(c, "model.networks", "%s has two networks, '%s' and '%s', found %zu", family, names[0], names[1],
                   m->n_networks);
    for (size_t i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, "model.networks[%zu].name", i);
        if (strcmp(m->networks[i]->name, names[i]) != 0)
            return bad(c, path, "%s's networks are named '%s' then '%s': expected '%s', found '%s'%s", family,
                       names[0], names[1], names[i], m->networks[i]->name, dflt(c, path));
    }
    return CT_OK;
}

/* The GAN family: networks "generator" then "discriminator", and its
 * settings. */
static int check_gan(const checker *c, const Ctrain__Model *m)
{
    static const char *const names[2] = {"generator", "discriminator"};
    if (check_two_networks(c, m, "a GAN", names))
        return CT_ERR;
    const Ctrain__Gan *g = m->gan;
    if (!g)
        return CT_OK; /* every setting has its default */
    if (size_in(c, "model.gan.latent_size", g->latent_size, 1) || at_least(c, "model.gan.d_steps", g->d_steps, 1) ||
        size_in(c, "model.gan.classes", g->classes, 0))
        return CT_ERR;
    if (!(g->real_label > 0 && g->real_label <= 1))
        return bad(c, "model.gan.real_label", "expected a number > 0 and <= 1, found %g%s", g->real_label,
                   dflt(c, "model.gan.real_label"));
    if (g->samples < 1 || g->samples > 1024)
        return bad(c, "model.gan.samples", "expected 1 to 1024 samples in the epoch's grid, found %u%s", g->samples,
                   dflt(c, "model.gan.samples"));
    return CT_OK;
}

/* The autoencoder family: networks "encoder" then "decoder", a loss against
 * the input's values, and its settings section. */
static int check_autoencoder(const checker *c, const Ctrain__Model *m)
{
    static const char *const names[2] = {"encoder", "decoder"};
    if (check_two_networks(c, m, "an autoencoder", names))
        return CT_ERR;
    char loss[32];
    if (m->loss != CTRAIN__LOSS__MSE && m->loss != CTRAIN__LOSS__BCE_WITH_LOGITS)
        return bad(c, "model.loss", "an autoencoder trains with mse or bce_with_logits, found %s%s",
                   enum_name(&ctrain__loss__descriptor, m->loss, loss, sizeof loss), dflt(c, "model.loss"));
    const Ctrain__Autoencoder *a = m->autoencoder;
    if (!a)
        return bad(c, "model.autoencoder.latent_size", "expected the size of the encoder's output, found nothing "
                   "(it is required)");
    if (a->latent_size == 0)
        return bad(c, "model.autoencoder.latent_size", "expected the size of the encoder's output (>= 1), "
                   "found 0%s", dflt(c, "model.autoencoder.latent_size"));
    if (non_negative(c, "model.autoencoder.noise_std", a->noise_std) ||
        below_one(c, "model.autoencoder.mask_prob", a->mask_prob))
        return CT_ERR;
    return CT_OK;
}

/* The regressor family: a loss against float targets. */
static int check_regressor(const checker *c, const Ctrain__Model *m)
{
    if (m->loss == CTRAIN__LOSS__MSE || m->loss == CTRAIN__LOSS__L1 || m->loss == CTRAIN__LOSS__HUBER)
        return CT_OK;
    char name[32];
    return bad(c, "model.loss", "a regressor trains on float targets with mse, l1 or huber, found %s%s%s",
               enum_name(&ctrain__loss__descriptor, m->loss, name, sizeof name), dflt(c, "model.loss"),
               m->loss == CTRAIN__LOSS__CROSS_ENTROPY || m->loss == CTRAIN__LOSS__NLL
                   ? "; class labels train a classifier (model.family: classifier)"
                   : "");
}

/* Whether two layer lists are the same layers (names, types and sizes), by
 * their packed bytes. */
static bool same_layers(const Ctrain__Network *a, const Ctrain__Network *b, size_t *differs)
{
    size_t n = a->n_layers < b->n_layers ? a->n_layers : b->n_layers;
    for (*differs = 0; *differs < n; (*differs)++) {
        const ProtobufCMessage *x = &a->layers[*differs]->base, *y = &b->layers[*differs]->base;
        size_t len = protobuf_c_message_get_packed_size(x);
        if (len != protobuf_c_message_get_packed_size(y))
            return false;
        uint8_t bx[512], by[512];
        if (len > sizeof bx)
            return false;
        protobuf_c_message_pack(x, bx);
        protobuf_c_message_pack(y, by);
        if (memcmp(bx, by, len) != 0)
            return false;
    }
    return a->n_layers == b->n_layers;
}

/* The DQN family: network "q" and, optionally, "target" with the same
 * layers; its settings section. */
static int check_prioritized(const checker *c, const Ctrain__Prioritized *p)
{
    if (!p)
        return CT_OK;
    if (!(p->alpha >= 0 && isfinite(p->alpha)))
        return bad(c, "model.dqn.prioritized.alpha", "expected a number >= 0 (0: uniform), found %g%s", p->alpha,
                   dflt(c, "model.dqn.prioritized.alpha"));
    if (!(p->eps > 0 && isfinite(p->eps)))
        return bad(c, "model.dqn.prioritized.eps", "expected a number > 0, found %g%s", p->eps,
                   dflt(c, "model.dqn.prioritized.eps"));
    return probability(c, "model.dqn.prioritized.beta_start", p->beta_start);
}

static int check_dqn(const checker *c, const Ctrain__Model *m)
{
    if (m->n_networks < 1 || m->n_networks > 2)
        return bad(c, "model.networks", "a DQN has the network 'q' (and optionally its copy 'target'), found %zu "
                   "networks", m->n_networks);
    static const char *const names[2] = {"q", "target"};
    if (m->n_networks == 2 && check_two_networks(c, m, "a DQN", names))
        return CT_ERR;
    if (strcmp(m->networks[0]->name, "q") != 0)
        return bad(c, "model.networks[0].name", "a DQN's network is named 'q', found '%s'%s", m->networks[0]->name,
                   dflt(c, "model.networks[0].name"));
    size_t differs;
    if (m->n_networks == 2 && !same_layers(m->networks[0], m->networks[1], &differs))
        return bad(c, "model.networks[1].layers", "the target network is a copy of q: expected q's %zu layers, "
                   "found %zu that differ from layer %zu on (leave 'target' out to have it built from q)",
                   m->networks[0]->n_layers, m->networks[1]->n_layers, differs);
    if (m->n_networks == 2 && m->networks[1]->optimizer)
        return bad(c, "model.networks[1].optimizer", "the target network is frozen (copied from q, never trained): "
                   "expected no optimizer");
    const Ctrain__Dqn *d = m->dqn;
    if (!d)
        return CT_OK; /* every setting has its default */
    if (!d->env || !*d->env)
        return bad(c, "model.dqn.env", "expected the name of an environment (CartPole-v1, Acrobot-v1), found "
                   "an empty string");
    if (!(d->gamma >= 0 && d->gamma <= 1))
        return bad(c, "model.dqn.gamma", "expected a number >= 0 and <= 1, found %g%s", d->gamma,
                   dflt(c, "model.dqn.gamma"));
    if (at_least(c, "model.dqn.replay_capacity", (long long)d->replay_capacity, 1) ||
        at_least(c, "model.dqn.train_every", d->train_every, 1) ||
        at_least(c, "model.dqn.gradient_steps", d->gradient_steps, 1) ||
        at_least(c, "model.dqn.target_update_every", d->target_update_every, 1))
        return CT_ERR;
    if (d->replay_capacity > (uint64_t)INT32_MAX)
        return bad(c, "model.dqn.replay_capacity", "expected at most %d transitions per rank, found %llu", INT32_MAX,
                   (unsigned long long)d->replay_capacity);
    if (!(d->tau >= 0 && d->tau <= 1))
        return bad(c, "model.dqn.tau", "expected a number >= 0 and <= 1 (0: hard copy), found %g%s", d->tau,
                   dflt(c, "model.dqn.tau"));
    if (d->loss != CTRAIN__LOSS__HUBER && d->loss != CTRAIN__LOSS__MSE) {
        char name[32];
        return bad(c, "model.dqn.loss", "expected huber or mse, found %s",
                   enum_name(&ctrain__loss__descriptor, d->loss, name, sizeof name));
    }
    if (d->n_step < 1 || d->n_step > CT_DQN_MAX_N_STEP)
        return bad(c, "model.dqn.n_step", "expected a number of steps >= 1 and <= %d, found %u%s", CT_DQN_MAX_N_STEP,
                   d->n_step, dflt(c, "model.dqn.n_step"));
    return probability(c, "model.dqn.epsilon_start", d->epsilon_start) ||
                   probability(c, "model.dqn.epsilon_end", d->epsilon_end) || check_prioritized(c, d->prioritized)
               ? CT_ERR
               : CT_OK;
}

/* The language model family: one network from token ids (an embedding
 * first) to logits, trained on cross-entropy; its settings. */
static int check_language_model(const checker *c, const Ctrain__Model *m)
{
    if (m->n_networks != 1)
        return bad(c, "model.networks", "a language model has exactly one network, found %zu", m->n_networks);
    const Ctrain__Network *net = m->networks[0];
    if (net->n_layers < 1 || net->layers[0]->type_case != CTRAIN__LAYER__TYPE_EMBEDDING)
        return bad(c, "model.networks[0].layers", "a language model reads token ids: its first layer is an "
                   "embedding");
    if (m->loss != CTRAIN__LOSS__CROSS_ENTROPY)
        return bad(c, "model.loss", "a language model trains on cross_entropy over the next tokens");
    const Ctrain__LanguageModel *lm = m->language_model;
    if (!lm)
        return CT_OK;
    return at_least(c, "model.language_model.bptt", (long long)lm->bptt, 1) ||
                   at_least(c, "model.language_model.eval_streams", (long long)lm->eval_streams, 1)
               ? CT_ERR
               : CT_OK;
}

/* A DQN's replay shard must hold a whole batch. */
static int check_dqn_batch(const checker *c, const ct_job *job)
{
    const Ctrain__Model *m = job->model;
    if (!m || m->family != CTRAIN__FAMILY__DQN || !m->dqn || !job->train)
        return CT_OK;
    if (m->dqn->replay_capacity < (uint64_t)job->train->batch_size)
        return bad(c, "model.dqn.replay_capacity", "expected at least train.batch_size (%lld) transitions, "
                   "found %llu%s", (long long)job->train->batch_size, (unsigned long long)m->dqn->replay_capacity,
                   dflt(c, "model.dqn.replay_capacity"));
    return CT_OK;
}

static int check_model(const checker *c, const Ctrain__Model *m)
{
    size_t n = m ? m->n_networks : 0;
    if (n == 0)
        return bad(c, "model.networks", "expected at least one network, found none");
    if ((m->family == CTRAIN__FAMILY__CLASSIFIER || m->family == CTRAIN__FAMILY__REGRESSOR) && n != 1)
        return bad(c, "model.networks", "a %s has exactly one network, found %zu",
                   m->family == CTRAIN__FAMILY__CLASSIFIER ? "classifier" : "regressor", n);
    /* Settings of another family than the job's (a oneof: at most one is
     * set, and its pointer is the only one to read). */
    const char *settings = m->settings_case == CTRAIN__MODEL__SETTINGS_AUTOENCODER &&
                                   m->family != CTRAIN__FAMILY__AUTOENCODER ? "autoencoder"
                           : m->settings_case == CTRAIN__MODEL__SETTINGS_GAN && m->family != CTRAIN__FAMILY__GAN
                               ? "gan"
                           : m->settings_case == CTRAIN__MODEL__SETTINGS_DQN && m->family != CTRAIN__FAMILY__DQN
                               ? "dqn"
                           : m->settings_case == CTRAIN__MODEL__SETTINGS_LANGUAGE_MODEL &&
                                   m->family != CTRAIN__FAMILY__LANGUAGE_MODEL
                               ? "language_model"
                               : NULL;
    if (settings) {
        char family[32], path[32];
        snprintf(path, sizeof path, "model.%s", settings);
        return bad(c, path, "these settings are for family %s; the job's family is %s", settings,
                   enum_name(&ctrain__family__descriptor, m->family, family, sizeof family));
    }
    if ((m->family == CTRAIN__FAMILY__AUTOENCODER && check_autoencoder(c, m)) ||
        (m->family == CTRAIN__FAMILY__REGRESSOR && check_regressor(c, m)) ||
        (m->family == CTRAIN__FAMILY__GAN && check_gan(c, m)) || (m->family == CTRAIN__FAMILY__DQN && check_dqn(c, m)) ||
        (m->family == CTRAIN__FAMILY__LANGUAGE_MODEL && check_language_model(c, m)))
        return CT_ERR;
    for (size_t i = 0; i < n; i++) {
        if (check_network(c, i, m->networks[i]))
            return CT_ERR;
        for (size_t k = 0; k < i; k++)
            if (m->networks[i]->name && m->networks[k]->name &&
                strcmp(m->networks[i]->name, m->networks[k]->name) == 0) {
                char path[64];
                snprintf(path, sizeof path, "model.networks[%zu].name", i);
                return bad(c, path, "network name '%s' is already used by network %zu", m->networks[i]->name, k);
            }
    }
    return CT_OK;
}

/* The augmentation's values (whether samples are images is checked when
 * the data is read). */
static int check_augment(const checker *c, const Ctrain__Augment *a)
{
    if (!a)
        return CT_OK;
    if (a->horizontal_flip && probability(c, "data.augment.horizontal_flip.p", a->horizontal_flip->p))
        return CT_ERR;
    if (a->random_crop && size_in(c, "data.augment.random_crop.padding", a->random_crop->padding, 1))
        return CT_ERR;
    if (a->gaussian_noise)
        return positive(c, "data.augment.gaussian_noise.std", a->gaussian_noise->std);
    return CT_OK;
}

static int check_normalize(const checker *c, const Ctrain__Normalize *n)
{
    if (!n)
        return CT_OK;
    return finite(c, "data.normalize.mean", n->mean) || positive(c, "data.normalize.std", n->std) ? CT_ERR : CT_OK;
}

int ct_job_check(const ct_job *job, const ct_marks *marks, const char *origin, ct_error *err)
{
    checker c = {marks, origin, err};
    const char *path = job->data ? job->data->path : NULL;
    bool environment = job->model && job->model->family == CTRAIN__FAMILY__DQN; /* reads no data file */
    if (!environment && (!path || !*path))
        return bad(&c, "data.path", "expected the path of an HDF5 dataset file, found %s",
                   path ? "an empty string" : "nothing (it is required)");
    if ((job->data && (check_augment(&c, job->data->augment) || check_normalize(&c, job->data->normalize))) ||
        check_model(&c, job->model) ||
        check_optimizer(&c, "optimizer", job->optimizer) || check_train(&c, job->train) || check_dqn_batch(&c, job))
        return CT_ERR;
    return CT_OK;
}
