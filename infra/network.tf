resource "tencentcloud_vpc" "main" {
  name       = "wxlend-${var.stage}"
  cidr_block = var.vpc_cidr
}

# One subnet per zone: MySQL's standby and Redis's replica sit in the
# second, and functions run in both.
resource "tencentcloud_subnet" "zone" {
  count             = 2
  vpc_id            = tencentcloud_vpc.main.id
  availability_zone = var.zones[count.index]
  name              = "wxlend-${var.stage}-${count.index}"
  cidr_block        = var.subnet_cidrs[count.index]
  is_multicast      = false
}

# Functions: no inbound at all (they are invoked by the platform), outbound
# anywhere (WeChat, WeChat Pay, Tencent Cloud APIs).
resource "tencentcloud_security_group" "functions" {
  name        = "wxlend-${var.stage}-functions"
  description = "SCF functions: outbound only"
}

resource "tencentcloud_security_group_lite_rule" "functions" {
  security_group_id = tencentcloud_security_group.functions.id
  ingress           = ["DROP#0.0.0.0/0#ALL#ALL"]
  egress            = ["ACCEPT#0.0.0.0/0#ALL#ALL"]
}

# Data stores: MySQL and Redis only from inside the VPC.
resource "tencentcloud_security_group" "data" {
  name        = "wxlend-${var.stage}-data"
  description = "MySQL and Redis: from the VPC only"
}

resource "tencentcloud_security_group_lite_rule" "data" {
  security_group_id = tencentcloud_security_group.data.id
  ingress = [
    "ACCEPT#${var.vpc_cidr}#3306#TCP",
    "ACCEPT#${var.vpc_cidr}#6379#TCP",
    "DROP#0.0.0.0/0#ALL#ALL",
  ]
  egress = ["ACCEPT#${var.vpc_cidr}#ALL#ALL"]
}
