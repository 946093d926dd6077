variable "stage" {
  description = "Deployment stage (staging, prod); names every resource."
  type        = string
}

variable "region" {
  description = "Tencent Cloud region."
  type        = string
  default     = "ap-guangzhou"
}

variable "zones" {
  description = "Two availability zones: the primary and the standby."
  type        = list(string)
  default     = ["ap-guangzhou-3", "ap-guangzhou-4"]
}

variable "vpc_cidr" {
  description = "The VPC's address block."
  type        = string
  default     = "10.20.0.0/16"
}

variable "subnet_cidrs" {
  description = "One subnet per zone, in the order of zones."
  type        = list(string)
  default     = ["10.20.1.0/24", "10.20.2.0/24"]
}

variable "mysql_mem_mb" {
  description = "TencentDB for MySQL memory (MB)."
  type        = number
  default     = 4000
}

variable "mysql_volume_gb" {
  description = "TencentDB for MySQL disk (GB)."
  type        = number
  default     = 200
}

variable "mysql_root_password" {
  description = "MySQL root password: TF_VAR_mysql_root_password from the deploy environment or the secrets manager."
  type        = string
  sensitive   = true
}

variable "mysql_app_password" {
  description = "Password of the functions' MySQL account (the DSN's): TF_VAR_mysql_app_password."
  type        = string
  sensitive   = true
}

variable "redis_mem_mb" {
  description = "Redis memory (MB)."
  type        = number
  default     = 1024
}

variable "redis_password" {
  description = "Redis password, 8-16 characters: TF_VAR_redis_password."
  type        = string
  sensitive   = true
}

variable "alarm_notice_id" {
  description = "CLS notice group (people on call) that ERROR alarms page."
  type        = string
}

variable "ledger_immutability" {
  description = "How ledger entries are made append-only: triggers (TencentDB, TDSQL-C) or grants (TiDB, TDSQL distributed: no UPDATE/DELETE on entry tables for the app account). Must equal the functions' LEDGER_IMMUTABILITY."
  type        = string
  default     = "triggers"

  validation {
    condition     = contains(["triggers", "grants"], var.ledger_immutability)
    error_message = "ledger_immutability is triggers or grants."
  }
}

variable "http_functions" {
  description = "Functions that get a function URL (type http trigger); scripts/deploy.sh passes serverless.yml's list once the functions exist. Empty on the first apply."
  type        = list(string)
  default     = []
}
