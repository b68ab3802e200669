# frozen_string_literal: true

# rackup -p 8080 [-o 0.0.0.0]   (the OSS callback hook is at /hooks/oss/callback; see app.rb)
require_relative "app"
run OssCallbackApp
