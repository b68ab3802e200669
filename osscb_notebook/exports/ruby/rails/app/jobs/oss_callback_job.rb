# frozen_string_literal: true

# Slow work for a verified callback, after the reply (OSS waits at most 5 s and never retries).
class OssCallbackJob < ActiveJob::Base
  def perform(path, query, body)
    slow_work({ path: path, query: query, body: body }) # oss_callback_receiver.rb: YOUR SLOW WORK GOES HERE
  end
end
