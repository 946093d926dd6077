# Function logs (JSON lines, shared/scf log.go) go to one topic; an ERROR
# that needs a person pages the on-call notice group.
resource "tencentcloud_cls_logset" "main" {
  logset_name = "wxlend-${var.stage}"
}

resource "tencentcloud_cls_topic" "functions" {
  logset_id    = tencentcloud_cls_logset.main.id
  topic_name   = "wxlend-${var.stage}-functions"
  period       = 180
  storage_type = "hot"
  auto_split   = true
}

# An ERROR line is logged for our own faults (5xx internal, a failed job,
# a panic, a callback that could not be applied): each needs a person.
# Client errors (4xx) and retried async failures log below ERROR.
resource "tencentcloud_cls_alarm" "errors" {
  name             = "wxlend-${var.stage}-errors"
  alarm_notice_ids = [var.alarm_notice_id]
  alarm_period     = 15
  condition        = "$1.errors > 0"
  trigger_count    = 1
  status           = true

  alarm_targets {
    logset_id         = tencentcloud_cls_logset.main.id
    topic_id          = tencentcloud_cls_topic.functions.id
    query             = "level:ERROR | select count(*) as errors"
    number            = 1
    start_time_offset = -5
    end_time_offset   = 0
  }

  monitor_time {
    type = "Period"
    time = 1
  }
}

# A money-path failure pages at once, whatever the count: disbursement,
# repayment callbacks, the ledger verifier.
resource "tencentcloud_cls_alarm" "money" {
  name             = "wxlend-${var.stage}-money"
  alarm_notice_ids = [var.alarm_notice_id]
  alarm_period     = 5
  condition        = "$1.failures > 0"
  trigger_count    = 1
  status           = true

  alarm_targets {
    logset_id         = tencentcloud_cls_logset.main.id
    topic_id          = tencentcloud_cls_topic.functions.id
    query             = "level:ERROR AND (SCF_FunctionName:disburse OR SCF_FunctionName:notify-wxpay-* OR SCF_FunctionName:job-ledger-verify) | select count(*) as failures"
    number            = 1
    start_time_offset = -5
    end_time_offset   = 0
  }

  monitor_time {
    type = "Period"
    time = 1
  }
}
