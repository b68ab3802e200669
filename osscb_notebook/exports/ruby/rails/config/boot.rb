# frozen_string_literal: true

# With a Gemfile (rubygems), Bundler sets up the load path; Debian's ruby-rails needs none.
ENV["BUNDLE_GEMFILE"] ||= File.expand_path("../Gemfile", __dir__)
require "bundler/setup" if File.exist?(ENV["BUNDLE_GEMFILE"])
