#include "cluster/model.h"

#include <string.h>

#include "engine/layers.h"

static ct_layer *layer_from_spec(const Ctrain__Layer *spec)
{
    switch (spec->type_case) {
    case CTRAIN__LAYER__TYPE_LINEAR:
        return ct_linear_create((int64_t)spec->linear->in_features, (int64_t)spec->linear->out_features,
                                spec->linear->bias);
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
        return ct_fail(err, "model.networks: the %s family needs network %zu, the job has %zu",
                       "classifier", index + 1, model->n_networks);
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
    default:
        return CT_LOSS_CROSS_ENTROPY;
    }
}

void ct_model_optim_config(const ct_job *job, ct_optim_config *cfg)
{
    const Ctrain__Optimizer *o = job->optimizer;
    memset(cfg, 0, sizeof *cfg);
    cfg->type = o->type == CTRAIN__OPTIMIZER_TYPE__ADAM ? CT_OPTIM_ADAM : CT_OPTIM_SGD;
    cfg->lr = o->lr;
    cfg->weight_decay = o->weight_decay;
    cfg->momentum = o->momentum;
    cfg->dampening = o->dampening;
    cfg->nesterov = o->nesterov;
    cfg->beta1 = o->beta1;
    cfg->beta2 = o->beta2;
    cfg->eps = o->eps;
}
