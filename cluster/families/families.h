/* The model families of this build (registry.c maps model.family to them). */
#ifndef CT_CLUSTER_FAMILIES_H
#define CT_CLUSTER_FAMILIES_H

#include "cluster/run/run.h"

extern const ct_family ct_classifier_family;
extern const ct_family ct_autoencoder_family;

#endif
