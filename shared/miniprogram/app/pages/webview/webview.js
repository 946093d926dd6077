// Opens an H5 flow the API hands out (FaceID liveness url, e-sign
// sign_url); its domain must be in the mini-program's business domains.
Component({
  data: { url: '' },
  methods: {
    onLoad(q) { this.setData({ url: decodeURIComponent(q.url || '') }) },
  },
})
