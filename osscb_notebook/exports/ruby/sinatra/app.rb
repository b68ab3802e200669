# frozen_string_literal: true

# The OSS upload-callback hookup for Sinatra (exported by osscb-notebook): a route on the
# stand-alone export oss_callback_receiver.rb beside this file, whose OssCallback.verify it calls,
# in an app with sessions, Rack::Protection (CSRF tokens included) and a JSON body parser on.
# Start it with config.ru: `rackup -p 8080` (Puma when installed, else WEBrick/Thin; -o HOST).
#
#  * The body: request.body.rewind, then request.body.read -- the bytes OSS signed. `params`, a
#    before filter that parses JSON, or Rack::Protection reading the form have already read the
#    stream; never rebuild the body from params (URI.encode_www_form re-encodes: '%20' vs '+').
#  * The target: env["REQUEST_URI"] (Puma, WEBrick and Thin keep the request line's target raw).
#    request.path_info has been rewritten by then: Rack::Protection::PathTraversal folds %2f, %2e
#    and "..", and a URLMap/`map` block moves its prefix to SCRIPT_NAME.
#  * CSRF: Rack::Protection::AuthenticityToken only looks at its allow_if AFTER parsing the form
#    (a body with a stray '%' then gets a 403 even on an exempted path), so the callback paths skip
#    it altogether (CsrfExceptCallbacks below). OSS sends no token and no cookie.
require "json"
require "sinatra/base"
require_relative "oss_callback_receiver"

class OssCallbackApp < Sinatra::Base
  # Where OSS calls back: the path of the callbackUrl you give OSS.
  HOOK_PATH = "/hooks/oss/callback"
  # CALLBACK_PATHS: every callbackUrl path the hook answers ("/*" takes the sub-paths). Add yours here.
  CALLBACK_PATHS = [
    HOOK_PATH, "#{HOOK_PATH}/*",
  ].freeze

  # Rack::Protection::AuthenticityToken for everything but the callback paths.
  class CsrfExceptCallbacks
    def initialize(app, paths)
      @app = app
      @csrf = Rack::Protection::AuthenticityToken.new(app)
      @patterns = paths.map { |p| Mustermann.new(p) }
    end

    def call(env)
      callback = @patterns.any? { |p| p.match(env["PATH_INFO"].to_s) }
      callback ? @app.call(env) : @csrf.call(env)
    end
  end

  enable :sessions
  enable :method_override # a "_method" form field overrides POST, as in classic Sinatra apps
  set :session_secret, ENV.fetch("SESSION_SECRET") { SecureRandom.hex(64) }
  set :protection, session: true # Sinatra's default Rack::Protection set, on the session too
  use CsrfExceptCallbacks, CALLBACK_PATHS
  set :show_exceptions, false
  set :raise_errors, false

  # Slow work after the reply: a bounded queue and one worker thread (OSS waits at most 5 s).
  JOBS = SizedQueue.new(OssCallback::QUEUE_SIZE)
  Thread.new do
    loop do
      slow_work(JOBS.pop) # defined in oss_callback_receiver.rb: YOUR SLOW WORK GOES HERE
    rescue StandardError => e
      warn "slow work failed: #{e.full_message(highlight: false)}"
    end
  end

  # A JSON body parser for every route, as apps have one (it reads the body without rewinding).
  before do
    @json = (JSON.parse(request.body.read) rescue nil) if request.media_type == "application/json"
  end

  helpers do
    def reply(status, doc, reason = nil, extra = {})
      doc = { "Status" => doc, "Reason" => reason } if reason
      halt status, { "Content-Type" => "application/json" }.merge(extra), JSON.generate(doc) # Content-Length: Sinatra
    end

    def oss_callback
      method = env["rack.methodoverride.original_method"] || request.request_method
      reply(405, "method not allowed", "OSS callbacks are POST requests", "Allow" => "POST") unless method == "POST"
      declared = request.content_length
      reply(413, "body too large", "the body is over #{OssCallback::MAX_BODY} bytes") if declared.to_i > OssCallback::MAX_BODY
      request.body.rewind
      body = request.body.read(OssCallback::MAX_BODY + 1).to_s.b # the raw bytes OSS signed
      reply(413, "body too large", "the body is over #{OssCallback::MAX_BODY} bytes") if body.bytesize > OssCallback::MAX_BODY
      target = env["REQUEST_URI"] || "#{env['SCRIPT_NAME']}#{env['PATH_INFO']}?#{env['QUERY_STRING']}"
      target = target.sub(%r{\A[A-Za-z][A-Za-z0-9+.-]*://[^/?]*}, "") # absolute-form: keep the path
      path, sep, query = target.partition("?")
      headers = ->(name) { env["HTTP_#{name.upcase.tr('-', '_')}"] }
      reason = OssCallback.verify(method, path, sep.empty? ? nil : query,
                                  Hash.new { |_, k| headers.call(k) }, body)
      if reason
        logger&.warn("callback rejected: #{reason}")
        reply(400, "verify not ok", reason)
      end
      request.session_options[:skip] = true # no session cookie for OSS
      job = { path: path, query: query, body: body }
      answer = handle_callback(job) # defined in oss_callback_receiver.rb: your fast reply
      begin
        JOBS.push(job, true)
      rescue ThreadError
        reply(503, "busy", "work queue full; callback verified but not accepted")
      end
      reply(200, answer)
    end
  end

  # Rack::MethodOverride turns a POST whose form has a "_method" field into a PUT/PATCH/DELETE:
  # those routes take the callback too, and it checks the method as sent.
  CALLBACK_PATHS.each do |path|
    %i[post put patch delete].each { |verb| send(verb, path) { oss_callback } }
    get(path) { reply(405, "method not allowed", "OSS callbacks are POST requests", "Allow" => "POST") }
  end

  # Sinatra turns Rack's other parse errors into 400 but not this one (a 500), raised while it
  # parses the form for `params`, before any route runs.
  error Rack::QueryParser::ParamsTooDeepError do
    reply(400, "bad request", "the form's parameters are nested too deeply")
  end

  # The 400 Sinatra itself gives for a body it cannot parse into `params` (a broken form or
  # multipart body) is plain text: answer it in JSON like every other refusal.
  error Sinatra::BadRequest do
    reply(400, "bad request", "the body cannot be parsed: #{env['sinatra.error'].message}")
  end

  # The rest of the app (a stand-in for yours): a session-backed page and a CSRF-protected form.
  get "/" do
    session[:visits] = session[:visits].to_i + 1
    content_type :json
    JSON.generate("app" => "oss-callback", "visits" => session[:visits])
  end

  post "/notes" do
    content_type :json
    JSON.generate("saved" => params["text"].to_s)
  end
end
