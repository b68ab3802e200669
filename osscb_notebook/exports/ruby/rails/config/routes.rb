# frozen_string_literal: true

Rails.application.routes.draw do
  # CALLBACK_PATHS: every callbackUrl path OSS calls back on ("/*rest" takes the sub-paths). Add yours.
  # format: false, or Rails reads a ".php"/".txt" ending as the response format and drops it from the path params.
  [
    "/hooks/oss/callback", "/hooks/oss/callback/*rest",
  ].each do |path|
    match path, to: "oss_callbacks#create", via: :all, format: false
  end

  # The rest of the app (a stand-in for yours).
  root "home#show"
  post "/notes", to: "home#note"
end
