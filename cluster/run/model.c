#include "cluster/run/model.h"

#include <string.h>

#include "engine/layers.h"

/* A per-sample shape from a job's list (job_check.c allows 1 to 4 entries;
 * a longer list gives an empty shape, which the layer's build rejects). */
static ct_shape shape_from_list(const int64_t *dims, size_t n)
{
    ct_shape s = {0, {0, 0, 0, 0}};
    if (n <= CT_MAX_DIMS) {
        s.ndim = (int)n;
        for (size_t i = 0; i < n; i++)
            s.dim[i] = dims[i];
    }
    return s;
}

/* An rnn, lstm or gru layer from the fields their job messages share. */
static ct_layer *recurrent_layer(ct_recurrent_cell cell, uint64_t input_size, uint64_t hidden_size,
                                 uint64_t num_layers, bool bias, float dropout, Ctrain__RecurrentOutput output)
{
    ct_recurrent_config cfg = {.cell = cell,
                               .input_size = (int64_t)input_size,
                               .hidden_size = (int64_t)hidden_size,
                               .num_layers = (int64_t)num_layers,
                               .bias = bias,
                               .dropout = dropout,
                               .output = output == CTRAIN__RECURRENT_OUTPUT__LAST ? CT_OUTPUT_LAST
                                                                                  : CT_OUTPUT_SEQUENCE};
    return ct_recurrent_create(&cfg);
}

static ct_layer *layer_from_spec(const Ctrain__Layer *spec)
{
    switch (spec->type_case) {
    case CTRAIN__LAYER__TYPE_LINEAR: {
        const Ctrain__Linear *m = spec->linear;
        if (m->last_dim)
            return ct_linear_last_dim_create((int64_t)m->in_features, (int64_t)m->out_features, m->bias);
        return ct_linear_create((int64_t)m->in_features, (int64_t)m->out_features, m->bias);
    }
    case CTRAIN__LAYER__TYPE_RELU:
        return ct_activation_create(CT_ACT_RELU, 0.0f);
    case CTRAIN__LAYER__TYPE_LEAKY_RELU:
        return ct_activation_create(CT_ACT_LEAKY_RELU, spec->leaky_relu->negative_slope);
    case CTRAIN__LAYER__TYPE_SIGMOID:
        return ct_activation_create(CT_ACT_SIGMOID, 0.0f);
    case CTRAIN__LAYER__TYPE_TANH:
        return ct_activation_create(CT_ACT_TANH, 0.0f);
    case CTRAIN__LAYER__TYPE_SOFTMAX:
        return ct_activation_create(CT_ACT_SOFTMAX, 0.0f);
    case CTRAIN__LAYER__TYPE_CONV2D: {
        const Ctrain__Conv2d *m = spec->conv2d;
        return ct_conv2d_create((int64_t)m->in_channels, (int64_t)m->out_channels, (int64_t)m->kernel_size,
                                (int64_t)m->stride, (int64_t)m->padding, m->bias);
    }
    case CTRAIN__LAYER__TYPE_CONV_TRANSPOSE2D: {
        const Ctrain__ConvTranspose2d *m = spec->conv_transpose2d;
        return ct_conv_transpose2d_create((int64_t)m->in_channels, (int64_t)m->out_channels, (int64_t)m->kernel_size,
                                          (int64_t)m->stride, (int64_t)m->padding, (int64_t)m->output_padding,
                                          m->bias);
    }
    case CTRAIN__LAYER__TYPE_MAX_POOL2D:
        return ct_max_pool2d_create((int64_t)spec->max_pool2d->kernel_size, (int64_t)spec->max_pool2d->stride,
                                    (int64_t)spec->max_pool2d->padding);
    case CTRAIN__LAYER__TYPE_AVG_POOL2D:
        return ct_avg_pool2d_create((int64_t)spec->avg_pool2d->kernel_size, (int64_t)spec->avg_pool2d->stride,
                                    (int64_t)spec->avg_pool2d->padding);
    case CTRAIN__LAYER__TYPE_UPSAMPLE:
        return ct_upsample_create((int64_t)spec->upsample->scale_factor);
    case CTRAIN__LAYER__TYPE_FLATTEN:
        return ct_flatten_create();
    case CTRAIN__LAYER__TYPE_UNFLATTEN:
        return ct_unflatten_create(
            shape_from_list(spec->unflatten->unflattened_size, spec->unflatten->n_unflattened_size));
    case CTRAIN__LAYER__TYPE_RESHAPE:
        return ct_reshape_create(shape_from_list(spec->reshape->shape, spec->reshape->n_shape));
    case CTRAIN__LAYER__TYPE_BATCH_NORM1D:
        return ct_batch_norm1d_create((int64_t)spec->batch_norm1d->num_features, spec->batch_norm1d->eps,
                                      spec->batch_norm1d->momentum);
    case CTRAIN__LAYER__TYPE_BATCH_NORM2D:
        return ct_batch_norm2d_create((int64_t)spec->batch_norm2d->num_features, spec->batch_norm2d->eps,
                                      spec->batch_norm2d->momentum);
    case CTRAIN__LAYER__TYPE_DROPOUT:
        return ct_dropout_create(spec->dropout->p);
    case CTRAIN__LAYER__TYPE_ELU:
        return ct_activation_create(CT_ACT_ELU, spec->elu->alpha);
    case CTRAIN__LAYER__TYPE_LOG_SOFTMAX:
        return ct_activation_create(CT_ACT_LOG_SOFTMAX, 0.0f);
    case CTRAIN__LAYER__TYPE_EMBEDDING:
        return ct_embedding_create((int64_t)spec->embedding->num_embeddings, (int64_t)spec->embedding->embedding_dim);
    case CTRAIN__LAYER__TYPE_RNN: {
        const Ctrain__Rnn *m = spec->rnn;
        return recurrent_layer(m->nonlinearity == CTRAIN__NONLINEARITY__RELU ? CT_CELL_RNN_RELU : CT_CELL_RNN_TANH,
                               m->input_size, m->hidden_size, m->num_layers, m->bias, m->dropout, m->output);
    }
    case CTRAIN__LAYER__TYPE_LSTM:
    case CTRAIN__LAYER__TYPE_GRU: {
        const Ctrain__Recurrent *m = spec->type_case == CTRAIN__LAYER__TYPE_LSTM ? spec->lstm : spec->gru;
        return recurrent_layer(spec->type_case == CTRAIN__LAYER__TYPE_LSTM ? CT_CELL_LSTM : CT_CELL_GRU,
                               m->input_size, m->hidden_size, m->num_layers, m->bias, m->dropout, m->output);
    }
    default:
        return NULL;
    }
}

int ct_model_build_net(ct_net *net, const ct_job *job, size_t index, const char *prefix, ct_shape in_shape,
                       int64_t max_batch, ct_error *err)
{
    const Ctrain__Model *model = job->model;
    ct_net_init(net, prefix);
    if (index >= model->n_networks)
        return ct_fail(err, "model.networks: the model needs network %zu, the job has %zu", index + 1,
                       model->n_networks);
    const Ctrain__Network *spec = model->networks[index];
    for (size_t i = 0; i < spec->n_layers; i++) {
        ct_layer *layer = layer_from_spec(spec->layers[i]);
        if (!layer)
            return ct_fail(err, "model.networks[%zu].layers[%zu]: no layer type set", index, i);
        ct_net_add(net, layer, spec->layers[i]->name);
    }
    if (ct_net_build(net, in_shape, max_batch, err) != CT_OK)
        return ct_fail_context(err, "model.networks[%zu] (%s)", index, spec->name);
    ct_rng rng;
    ct_rng_seed(&rng, job->seed, 1000 + index);
    ct_net_init_params(net, &rng);
    return CT_OK;
}

ct_loss_type ct_model_loss(const ct_job *job)
{
    switch (job->model->loss) {
    case CTRAIN__LOSS__MSE:
        return CT_LOSS_MSE;
    case CTRAIN__LOSS__BCE_WITH_LOGITS:
        return CT_LOSS_BCE_WITH_LOGITS;
    case CTRAIN__LOSS__BCE:
        return CT_LOSS_BCE;
    case CTRAIN__LOSS__NLL:
        return CT_LOSS_NLL;
    case CTRAIN__LOSS__HUBER:
        return CT_LOSS_HUBER;
    case CTRAIN__LOSS__L1:
        return CT_LOSS_L1;
    default:
        return CT_LOSS_CROSS_ENTROPY;
    }
}

const Ctrain__Optimizer *ct_model_optimizer(const ct_job *job, size_t index)
{
    const Ctrain__Model *m = job->model;
    if (index < m->n_networks && m->networks[index]->optimizer)
        return m->networks[index]->optimizer;
    return job->optimizer;
}

void ct_model_optim_config(const Ctrain__Optimizer *o, ct_optim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->type = o->type == CTRAIN__OPTIMIZER_TYPE__ADAM      ? CT_OPTIM_ADAM
                : o->type == CTRAIN__OPTIMIZER_TYPE__RMSPROP ? CT_OPTIM_RMSPROP
                                                             : CT_OPTIM_SGD;
    cfg->lr = o->lr;
    cfg->weight_decay = o->weight_decay;
    cfg->momentum = o->momentum;
    cfg->dampening = o->dampening;
    cfg->nesterov = o->nesterov;
    cfg->beta1 = o->beta1;
    cfg->beta2 = o->beta2;
    cfg->eps = o->eps;
    cfg->alpha = o->alpha;
    cfg->centered = o->centered;
}

void ct_model_lr_schedule(const Ctrain__Optimizer *o, uint32_t epochs, int64_t steps_per_epoch,
                          ct_lr_schedule *schedule)
{
    /* The run's length is its epochs: max_steps only stops it early, so a
     * run cut short and resumed follows the same rates as one that is not. */
    schedule->type = o->lr_schedule == CTRAIN__LR_SCHEDULE__COSINE ? CT_LR_COSINE
                     : o->lr_schedule == CTRAIN__LR_SCHEDULE__STEP ? CT_LR_STEP
                                                                   : CT_LR_CONSTANT;
    schedule->base_lr = o->lr;
    schedule->min_lr = o->lr_min;
    schedule->total_steps = (int64_t)epochs * steps_per_epoch;
    schedule->step_every = (int64_t)o->lr_step_epochs * steps_per_epoch;
    schedule->gamma = o->lr_gamma;
}
