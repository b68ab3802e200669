# frozen_string_literal: true

# The rest of the app (a stand-in for yours): a session-backed page and a CSRF-protected form.
class HomeController < ApplicationController
  def show
    session[:visits] = session[:visits].to_i + 1
    render json: { app: "oss-callback", visits: session[:visits] }
  end

  def note
    render json: { saved: params[:text].to_s }
  end
end
