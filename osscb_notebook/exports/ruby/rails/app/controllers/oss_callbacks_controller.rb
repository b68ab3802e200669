# frozen_string_literal: true

# OSS upload callbacks, verified with OssCallback.verify (oss_callback_receiver.rb) over the RAW request.
#
#  * The body: request.raw_post, the bytes as received (Rails keeps them after parsing a form or JSON
#    body). params, request.request_parameters and to_query/to_json of them re-serialise, and the
#    re-encoded bytes no longer match the signature.
#  * The target: env["REQUEST_URI"] as Puma (and WEBrick) keep it, else request.original_fullpath
#    (SCRIPT_NAME + PATH_INFO + query as the app first saw them). request.path inside a mounted
#    engine has lost its prefix; params[:rest] and params[:format] are decoded or split off.
#  * Params: not parsed for this action (process_action below); the callback's fields come from the
#    verified raw body.
#  * CSRF: OSS sends no token, so this action skips Rails' forgery protection (the documented
#    skip); its RSA signature is what authenticates it.
class OssCallbacksController < ApplicationController
  skip_forgery_protection only: :create

  def create
    # request.method is the method as sent: Rack::MethodOverride has turned a POST whose form has a
    # "_method" field into that method in request.request_method (and request.post?).
    unless request.method == "POST"
      return reply(405, "method not allowed", "OSS callbacks are POST requests", "Allow" => "POST")
    end

    request.session_options[:skip] = true # no session cookie for OSS
    return too_large if request.content_length.to_i > OssCallback::MAX_BODY

    body = request.raw_post.to_s.b # the raw bytes OSS signed
    return too_large if body.bytesize > OssCallback::MAX_BODY

    target = request.get_header("REQUEST_URI") || request.original_fullpath
    target = target.sub(%r{\A[A-Za-z][A-Za-z0-9+.-]*://[^/?]*}, "") # absolute-form: keep the path
    path, sep, query = target.partition("?")
    reason = OssCallback.verify(request.method, path, sep.empty? ? nil : query, request.headers, body)
    if reason
      logger.warn("callback rejected: #{reason}")
      return reply(400, "verify not ok", reason)
    end

    answer = handle_callback({ path: path, query: query, body: body }) # oss_callback_receiver.rb: your fast reply
    OssCallbackJob.perform_later(path, query, body)
    send_json(200, JSON.generate(answer))
  end

  # Rails parses the body into params before any action runs (to log them, for ParamsWrapper's JSON
  # wrapping), so a body it cannot parse fails there, before the callback is verified: with a 400,
  # or a 500 for a form nested too deeply (Rack's QueryLimitError, which Rails 6.1 does not map).
  # The callback skips that: its params hold the route's only; verify request.raw_post, then parse
  # the fields you need from it (Rack::Utils.parse_nested_query / JSON.parse).
  def process_action(*)
    request.request_parameters = {}
    super
  end

  private

  def too_large
    reply(413, "body too large", "the body is over #{OssCallback::MAX_BODY} bytes")
  end

  def reply(status, word, reason, headers = {})
    headers.each { |k, v| response.set_header(k, v) }
    send_json(status, JSON.generate("Status" => word, "Reason" => reason))
  end

  # With Content-Length: Rails' response body is no Array, so Puma would send it chunked, and OSS
  # requires a Content-Length (its client then reports the callback as failed).
  def send_json(status, json)
    response.set_header("Content-Length", json.bytesize.to_s)
    render json: json, status: status
  end
end
