# frozen_string_literal: true

class ApplicationController < ActionController::Base
  protect_from_forgery with: :exception # CSRF on for every action unless it says otherwise
end
