/* smsaudit — umbrella header: include this to use the whole library. */
#ifndef SMSAUDIT_H
#define SMSAUDIT_H

#include "common.h"
#include "xml.h"
#include "catalogue.h"
#include "sign.h"
#include "repo.h"
#include "record.h"
#include "sms.h"
#include "config.h"
#include "store.h"
#include "gap.h"
#include "finding.h"
#include "audit.h"
#include "cycle.h"
#include "status.h"
#include "pack.h"
#include "packmodel.h"
#include "packhtml.h"
#include "report.h"
#include "sample.h"
#include "site.h"
#include "pin.h"
#include "verify.h"
#include "stamp.h"
#include "sync.h"

#endif
