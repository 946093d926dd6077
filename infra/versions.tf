# wxlend on Tencent Cloud: everything stateful, the network, the execution
# role, logs and the function URLs. Functions themselves are deployed from
# serverless.yml (scripts/deploy.sh); their settings come from outputs.tf.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    tencentcloud = {
      source  = "tencentcloudstack/tencentcloud"
      version = ">= 1.81.0"
    }
  }

  # State in COS, locked by the backend's COS tag. No variables are allowed
  # here: scripts/deploy.sh passes bucket and prefix with -backend-config.
  backend "cos" {
    region  = "ap-guangzhou"
    prefix  = "terraform/state"
    encrypt = true
  }
}

provider "tencentcloud" {
  region = var.region
  # Credentials: TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY from the
  # deploy environment, never in a file.
}
