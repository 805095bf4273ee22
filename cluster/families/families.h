/* The model families of this build (registry.c maps model.family to them). */
#ifndef CT_CLUSTER_FAMILIES_H
#define CT_CLUSTER_FAMILIES_H

#include "cluster/run/run.h"

extern const ct_family ct_classifier_family;
extern const ct_family ct_autoencoder_family;
extern const ct_family ct_gan_family;
extern const ct_family ct_dqn_family;
extern const ct_family ct_regressor_family;

/* The network of a run of the classifier family (after its setup) and, in
 * *split when not NULL, its evaluation split; NULL when the run's family is
 * another. */
ct_net *ct_classifier_of(ct_run *run, const ct_shard **split);

#endif
