/*
 * smsaudit — the user's own configuration, kept outside every repository:
 * what this machine has verified (pins, see pin.h) and the key that protects
 * local caches. Anyone who can push to a repository can change what is in it;
 * only what lives here can tell them apart.
 *
 * The directory is $SMSAUDIT_CONFIG, else $XDG_CONFIG_HOME/smsaudit, else
 * $HOME/.config/smsaudit; it is created 0700 when first needed.
 */
#ifndef SMSAUDIT_CONFIG_H
#define SMSAUDIT_CONFIG_H

#include <stddef.h>

#include "common.h"

/* The configuration directory (not created). SMSAUDIT_EIO when none can be
 * named (no HOME). */
int smsaudit_config_dir(char *out, size_t size);

/* The configuration directory, created (0700) with its parents if missing. */
int smsaudit_config_dir_make(char *out, size_t size);

/* A 32-byte secret named `name` in the configuration directory, created from
 * the system's random source (0600) on first use. */
int smsaudit_config_secret(unsigned char out[32], const char *name);

#endif
