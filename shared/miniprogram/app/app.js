const api = require('./utils/api.js')

App({
  onLaunch() {
    api.init()
  },
})
