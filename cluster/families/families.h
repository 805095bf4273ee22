/* The model families of this build (registry.c maps model.family to them). */
#ifndef CT_CLUSTER_FAMILIES_H
#define CT_CLUSTER_FAMILIES_H

#include "cluster/families/lm_model.h"
#include "cluster/run/run.h"

extern const ct_family ct_classifier_family;
extern const ct_family ct_autoencoder_family;
extern const ct_family ct_gan_family;
extern const ct_family ct_dqn_family;
extern const ct_family ct_regressor_family;
extern const ct_family ct_language_model_family;

/* The network of a run of the classifier family (after its setup) and, in
 * *split when not NULL, its evaluation split; NULL when the run's family is
 * another. */
ct_net *ct_classifier_of(ct_run *run, const ct_shard **split);

/* The model of a run of the language model family (after its setup); NULL
 * when the run's family is another. */
ct_lm *ct_lm_of(ct_run *run);

/* The network, test shard and evaluation of a run of the regressor family
 * (after its setup); NULL when the run's family is another. */
struct ct_supervised *ct_regressor_of(ct_run *run);

#endif
