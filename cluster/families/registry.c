/* Which family trains a job: the one registry of the families of this
 * build. An enum value without a trainer here is an error, never a silent
 * classifier. */
#include "cluster/families/families.h"

int ct_family_for(const ct_job *job, const ct_family **family, ct_error *err)
{
    *family = NULL;
    switch (job->model->family) {
    case CTRAIN__FAMILY__CLASSIFIER:
        *family = &ct_classifier_family;
        break;
    case CTRAIN__FAMILY__AUTOENCODER:
        *family = &ct_autoencoder_family;
        break;
    case CTRAIN__FAMILY__GAN:
        *family = &ct_gan_family;
        break;
    case CTRAIN__FAMILY__DQN:
        *family = &ct_dqn_family;
        break;
    case CTRAIN__FAMILY__REGRESSOR:
        *family = &ct_regressor_family;
        break;
    case CTRAIN__FAMILY__LANGUAGE_MODEL:
        *family = &ct_language_model_family;
        break;
    default: /* a value this build has no trainer for */
        break;
    }
    if (*family)
        return CT_OK;
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&ctrain__family__descriptor,
                                                                       job->model->family);
    return ct_fail(err, "model.family: %s (%d) has no trainer in this build of ctrain", v ? v->name : "unknown",
                   (int)job->model->family);
}
