# TencentDB for MySQL 8.0 (the default engine is 5.7): a primary in the
# first zone and a semi-synchronous standby replica in the second.
resource "tencentcloud_mysql_instance" "main" {
  instance_name     = "wxlend-${var.stage}"
  engine_version    = "8.0"
  charge_type       = "POSTPAID"
  mem_size          = var.mysql_mem_mb
  volume_size       = var.mysql_volume_gb
  availability_zone = var.zones[0]
  slave_deploy_mode = 1
  first_slave_zone  = var.zones[1]
  slave_sync_mode   = 1
  vpc_id            = tencentcloud_vpc.main.id
  subnet_id         = tencentcloud_subnet.zone[0].id
  security_groups   = [tencentcloud_security_group.data.id]
  intranet_port     = 3306
  internet_service  = 0
  root_password     = var.mysql_root_password
  force_delete      = false

  # What the migrations and the code rely on (README "Past one database"):
  # utf8mb4 everywhere; triggers on ledger entries need
  # log_bin_trust_function_creators with binary logging on; GET_LOCK and
  # row locks need InnoDB's default REPEATABLE-READ isolation; UTC.
  parameters = {
    character_set_server            = "utf8mb4"
    collation_server                = "utf8mb4_bin"
    log_bin_trust_function_creators = "1"
    transaction_isolation           = "REPEATABLE-READ"
    default_time_zone               = "+00:00"
    innodb_lock_wait_timeout        = "10"
    max_connections                 = "2000"
  }
}

resource "tencentcloud_mysql_backup_policy" "main" {
  mysql_id         = tencentcloud_mysql_instance.main.id
  retention_period = 30
  backup_model     = "physical"
  backup_time      = "02:00-06:00"
}

# The functions' account: the DSN's user. With ledger_immutability =
# "grants" it gets no UPDATE or DELETE on the ledger entry tables
# (README "Past one database"); the privileges below are the general ones.
resource "tencentcloud_mysql_account" "app" {
  mysql_id    = tencentcloud_mysql_instance.main.id
  name        = "wxlend_app"
  host        = "%"
  password    = var.mysql_app_password
  description = "wxlend functions"
}

resource "tencentcloud_mysql_privilege" "app" {
  mysql_id     = tencentcloud_mysql_instance.main.id
  account_name = tencentcloud_mysql_account.app.name
  account_host = tencentcloud_mysql_account.app.host
  global       = ["USAGE"]

  database {
    privileges    = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "INDEX", "TRIGGER", "REFERENCES", "LOCK TABLES"]
    database_name = "wxlend"
  }
}
