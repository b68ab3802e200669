# frozen_string_literal: true

# The smallest Rails app around the OSS callback controller (app/controllers/oss_callbacks_controller.rb):
# Action Controller with Rails' default middleware (cookies, the cookie session store, flash, the
# JSON and form parameter parsers, host authorization), CSRF protection on in ApplicationController,
# and Active Job for slow work. No database.
require_relative "boot"

require "rails"
require "action_controller/railtie"
require "active_job/railtie"

# The stand-alone export beside this folder: OssCallback.verify, handle_callback and slow_work.
require_relative "../oss_callback_receiver"

module OssCallbackRails
  class Application < Rails::Application
    config.load_defaults 6.1
    config.eager_load = Rails.env.production?
    config.cache_classes = Rails.env.production?
    config.consider_all_requests_local = !Rails.env.production?
    config.logger = ActiveSupport::Logger.new($stdout)
    config.log_level = :info
    # Slow work after the reply: Active Job (the in-process :async adapter here; Sidekiq & co. in production)
    config.active_job.queue_adapter = :async
    config.session_store :cookie_store, key: "_oss_callback_session"
    # In production set SECRET_KEY_BASE (development generates tmp/development_secret.txt).
    config.secret_key_base = ENV["SECRET_KEY_BASE"] if ENV["SECRET_KEY_BASE"]
    # Development allows only localhost as the Host: add the host of the callbackUrl you give OSS
    # (a tunnel's, your domain), or OSS's callbacks get 403 "Blocked host".
    config.hosts << ENV["OSS_CALLBACK_PUBLIC_HOST"] if ENV["OSS_CALLBACK_PUBLIC_HOST"]
  end
end
