# frozen_string_literal: true

# bin/rails server (or rackup / puma) loads this file.
require_relative "config/environment"
run Rails.application
