#!/usr/bin/env ruby
# frozen_string_literal: true
#
# Minimal OSS upload-callback receiver for your own server (exported by osscb-notebook).
# One file, Ruby standard library plus webrick (a gem since Ruby 3.0: `gem install webrick`,
# or Debian's ruby-webrick). Run it:
#
#     ruby oss_callback_receiver.rb --host 0.0.0.0 --port 8080
#
# Host and port come from --host/--port, else OSS_CALLBACK_HOST (default 127.0.0.1) and
# OSS_CALLBACK_PORT (default 8080; 0 picks a free port). It prints one line with the URL it
# listens on, then answers callbacks on ANY path.
#
# The rules (the same in every receiver osscb-notebook exports):
#  * the key URL (Base64 in x-oss-pub-key-url) must start with OSS's own prefix
#    http(s)://gosspublic.alicdn.com/ or a prefix listed, comma-separated, in the environment
#    variable OSS_CALLBACK_TRUSTED_KEY_URLS (or given with --trust-key-url PREFIX). A prefix naming
#    only a host gets a "/" so that it pins scheme, host and port; an invalid prefix stops the
#    receiver when this file loads. Any other URL is rejected WITHOUT being fetched (a forger would
#    point it at their own key), and so is any URL with "\", "@", "#", spaces, control or non-ASCII
#    characters, an encoded "/", "\" or "%" (%2f, %5c, %25), or a "." or ".." segment once
#    percent-decoded, however it ends ("/", "?", "#", ";" or the end: "PREFIX..?x=1" and
#    "PREFIX%2e%2e" too);
#  * OSS's key (RSA-512) is pinned below, so real callbacks verify with no fetch; other trusted
#    keys are fetched once (3 s in total, 16 KiB at most, no redirects, one fetch in flight per URL:
#    callbacks arriving meanwhile wait for it) and cached; a failed fetch is remembered for 10 s, so
#    the callbacks behind a slow key server fail at once instead of each waiting 3 s again;
#  * string to sign = the percent-decoded path (percent-decoding only, to bytes: '+' stays '+',
#    a malformed '%' escape is kept literally), then '?' and the raw query if there is one, then
#    "\n" and the raw body bytes; the signature is RSA PKCS#1 v1.5 with MD5 (Base64 in authorization);
#  * replies 200 {"Status":"OK"} with Content-Length; 400 JSON when verification fails, for a
#    duplicated authorization or x-oss-pub-key-url header, a non-numeric or conflicting
#    Content-Length and a body shorter than its Content-Length; 405 for any method but POST
#    (exactly: "post" too); 411 with no Content-Length (a chunked body included); 413 for a body
#    over 1 MiB; 503 {"Status":"busy"} when the work queue is full;
#  * what WEBrick decides itself (answered in JSON here, see JsonErrors): a request line over
#    2,083 bytes gets 414, headers over 112 KiB 413 or 400, a malformed request line 400; WEBrick
#    serves at most 100 connections at once (MaxClients) and cuts a request off after 30 s.
#
# Answer fast, work later: OSS waits at most 5 seconds for the reply, holds the client's upload
# open meanwhile, and never retries a failed callback (the client gets 203 CallbackFailed). So the
# handler only verifies and replies; slow work (database, thumbnails, mail) goes through a bounded
# queue to one worker thread: put it in slow_work below, the reply in handle_callback.
#
# Rails / Sinatra: the tested hookups are `osscb export-receiver --lang ruby --framework rails` (or
# sinatra; folders exports/ruby/<framework>/ in osscb-notebook). They require this file (the server
# below starts only when it is run itself) and call OssCallback.verify with the raw body
# (request.raw_post / request.body.read, never params re-serialised), the raw path and query
# (request.original_fullpath / request.env["REQUEST_URI"]) and the headers, with CSRF protection
# skipped for the callback route.

require "json"
require "net/http"
require "openssl"
require "timeout"
require "uri"

module OssCallback
  OFFICIAL_PREFIXES = ["http://gosspublic.alicdn.com/", "https://gosspublic.alicdn.com/"].freeze
  MAX_BODY = 1024 * 1024
  MAX_KEY_BYTES = 16 * 1024
  FETCH_TIMEOUT = 3
  QUEUE_SIZE = 1000
  FAILURE_MEMORY = 10 # seconds: a failed key fetch is not retried for this long

  # OSS's callback public key (RSA-512), public data, pinned for both official URLs.
  OFFICIAL_PUBLIC_KEY_PEM = <<~PEM
    -----BEGIN PUBLIC KEY-----
    MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
    C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
    -----END PUBLIC KEY-----
  PEM

  @keys = OFFICIAL_PREFIXES.to_h { |p| [p + "callback_pub_key_v1.pem", OpenSSL::PKey::RSA.new(OFFICIAL_PUBLIC_KEY_PEM)] }
  @keys_lock = Mutex.new
  @fetch_locks = Hash.new { |h, url| h[url] = Mutex.new }
  @failures = {} # key URL -> [monotonic time, message] of its last failed fetch

  class << self
    attr_accessor :trusted_prefixes

    # Verifies one callback; returns nil when it verifies, else the reason.
    #   method    - the HTTP method ("POST")
    #   raw_path  - the path exactly as received, still percent-encoded, without the query
    #   raw_query - the query exactly as received, without the '?'; nil or "" when there is none
    #   headers   - anything answering [] with a lower-case header name: a Hash with lower-case
    #               keys, Rails' request.headers, a WEBrick request
    #   body      - the raw body bytes, never a re-serialised form or JSON
    def verify(method, raw_path, raw_query, headers, body)
      return "not a POST" unless method.to_s == "POST"

      key_url = b64(headers["x-oss-pub-key-url"])
      signature = b64(headers["authorization"])
      key_url = nil unless key_url&.ascii_only?
      return "malformed x-oss-pub-key-url or authorization header" if key_url.nil? || signature.nil?
      return "missing x-oss-pub-key-url or authorization header" if key_url.empty? || signature.empty?

      problem = key_url_problem(key_url.force_encoding(Encoding::US_ASCII))
      return problem if problem

      begin
        key = public_key_for(key_url)
      rescue StandardError, Timeout::Error => e
        return "cannot get the public key: #{e.message}"
      end
      message = percent_decode(raw_path.to_s)
      message << "?".b << raw_query.to_s.b unless raw_query.to_s.empty?
      message << "\n".b << body.to_s.b
      begin
        return nil if key.verify("MD5", signature, message)
      rescue OpenSSL::PKey::PKeyError
        # a signature of the wrong length lands here: it does not match either
      end
      "signature does not match"
    end

    # Strict Base64 (padding required, no stray characters): "" when absent, nil when malformed.
    def b64(value)
      return "".b if value.nil?

      value.to_s.strip.unpack1("m0")
    rescue ArgumentError
      nil
    end

    # Space, control, non-ASCII, backslash, '#' or '@': never in a URL OSS sends.
    def bad_chars?(text)
      text.match?(/[\x00-\x20\x7f\\@#]/) || !text.ascii_only?
    end

    # A "." or ".." segment once percent-decoded, however it ends ("/", "?", "#", ";", "\\" or the
    # end), or an encoded "/", "\\" or "%" (a key server may decode and resolve them).
    def dot_segment?(url)
      url.match?(/%(2f|5c|25)/i) || percent_decode(url).match?(%r{(\A|[/?#;\\])\.\.?([/?#;\\]|\z)}n)
    end

    # Why key_url may not be used (it is then never fetched), or nil when it is trusted.
    def key_url_problem(key_url)
      return "key URL has forbidden characters, an encoded '/', or a dot segment (not fetched)" if bad_chars?(key_url) || dot_segment?(key_url)
      return nil if trusted_prefixes.any? { |p| key_url.start_with?(p) }

      "key URL is not under a trusted prefix (not fetched)"
    end

    # The cached key, or the one fetched (once: concurrent callers for one URL wait for one fetch);
    # a failure is shared with the callers waiting for it and remembered for FAILURE_MEMORY.
    def public_key_for(url)
      lock = @keys_lock.synchronize do
        return @keys[url] if @keys.key?(url)

        @fetch_locks[url]
      end
      lock.synchronize do
        cached, failure = @keys_lock.synchronize { [@keys[url], @failures[url]] }
        return cached if cached

        now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        if failure && now - failure[0] < FAILURE_MEMORY
          raise "#{failure[1]} (#{format("%.1f", now - failure[0])} s ago; not retried for #{FAILURE_MEMORY} s)"
        end

        begin
          key = parse_pem(fetch(url))
        rescue StandardError, Timeout::Error => e
          @keys_lock.synchronize { @failures[url] = [Process.clock_gettime(Process::CLOCK_MONOTONIC), e.message] }
          raise
        end
        @keys_lock.synchronize { @keys[url] = key }
      end
    end

    # GET url: 3 s in total, at most MAX_KEY_BYTES, no redirects (Net::HTTP never follows them).
    def fetch(url)
      uri = URI.parse(url)
      Timeout.timeout(FETCH_TIMEOUT, Timeout::Error, "fetching #{url} took longer than #{FETCH_TIMEOUT} s") do
        Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == "https", open_timeout: FETCH_TIMEOUT,
                                            read_timeout: FETCH_TIMEOUT, max_retries: 0) do |http|
          http.request_get(uri.request_uri) do |res|
            raise "GET #{url} answered #{res.code}, not 200" unless res.code == "200"

            pem = +""
            res.read_body do |chunk|
              pem << chunk
              raise "the key at #{url} is larger than 16 KiB" if pem.bytesize > MAX_KEY_BYTES
            end
            return pem
          end
        end
      end
    end

    def parse_pem(pem)
      raise "not a PEM public key (-----BEGIN PUBLIC KEY-----)" unless pem.include?("-----BEGIN PUBLIC KEY-----")

      key = OpenSSL::PKey::RSA.new(pem)
      raise "not an RSA public key" if key.private?

      key
    rescue OpenSSL::PKey::PKeyError => e
      raise "not an RSA public key in PEM form: #{e.message}"
    end

    # Percent-decoding only ('+' stays '+'), to bytes; a malformed escape is kept as it is.
    def percent_decode(str)
      str.b.gsub(/%([0-9A-Fa-f]{2})/n) { Regexp.last_match(1).hex.chr }
    end

    # A trusted key URL prefix: an http(s) URL with a host, ending with '/' (added if missing),
    # so that it pins the scheme, host and port.
    def normalize_prefix(entry)
      prefix = entry.strip
      scheme, sep, rest = prefix.partition("://")
      host = rest.split("/", 2).first.to_s
      if sep.empty? || !%w[http https].include?(scheme) || !host.match?(/\A[A-Za-z0-9.:\[\]-]+\z/) ||
         bad_chars?(prefix) || prefix.include?("?") || dot_segment?(rest)
        raise ArgumentError, "not an http(s) URL prefix: #{prefix.inspect}"
      end

      prefix.end_with?("/") ? prefix : "#{prefix}/"
    end

    # OSS's prefixes plus OSS_CALLBACK_TRUSTED_KEY_URLS (comma-separated; blank means none).
    def trusted_from_env
      value = ENV.fetch("OSS_CALLBACK_TRUSTED_KEY_URLS", "")
      return OFFICIAL_PREFIXES if value.strip.empty?

      (OFFICIAL_PREFIXES + value.split(",", -1).map { |p| normalize_prefix(p) }).freeze # "" is an error
    end
  end

  # Read when this file loads, so that a Rails app calling verify gets the same allowlist; an
  # invalid entry stops the program here, before it serves.
  begin
    @trusted_prefixes = trusted_from_env
  rescue ArgumentError => e
    abort "OSS_CALLBACK_TRUSTED_KEY_URLS: #{e.message}"
  end
end

# Your fast reply for a verified callback (OSS passes it to the uploading client): a JSON-able Hash.
def handle_callback(_job)
  { "Status" => "OK" }
end

# Your slow work for a verified callback; runs on the worker thread after the reply.
def slow_work(_job)
  # YOUR SLOW WORK GOES HERE (database, thumbnails, mail...)
end

# ------------------------------------------------------------------ the tiny server
if $PROGRAM_NAME == __FILE__
  require "webrick"

  # WEBrick answers requests it cannot parse (bad URI, headers over 112 KiB...) itself: in JSON too.
  module JsonErrors
    def set_error(err, backtrace = false)
      super
      self.content_type = "application/json"
      self.body = JSON.generate("Status" => (WEBrick::HTTPStatus.reason_phrase(status) || "error").downcase,
                                "Reason" => err.message.to_s[0, 200].scrub)
    end
  end
  WEBrick::HTTPResponse.prepend(JsonErrors)

  # WEBrick parses the target with URI.parse, which refuses a malformed '%' escape (and '|', '{',
  # raw UTF-8...) with a 400 before any servlet runs: escape those for its routing only. The
  # receiver verifies the raw target from the request line, where the escape stays as OSS signed it.
  module LenientTarget
    private def parse_uri(str, scheme = "http")
      super(str.b.gsub(%r{%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]}n) { |c| format("%%%02X", c.ord) }, scheme)
    end
  end
  WEBrick::HTTPRequest.prepend(LenientTarget)

  class BodyTooLarge < StandardError; end

  JOBS = SizedQueue.new(OssCallback::QUEUE_SIZE)

  class CallbackServlet < WEBrick::HTTPServlet::AbstractServlet
    def service(req, res)
      res.keep_alive = false
      unless req.request_method == "POST"
        return reply(res, 405, "method not allowed", "OSS callbacks are POST requests", "Allow" => "POST")
      end

      declared = req["content-length"]
      # OSS sends a Content-Length; a chunked body is refused as the Python export does
      return reply(res, 411, "length required", "send the body with a Content-Length") if declared.nil? || req["transfer-encoding"]
      return reply(res, 400, "bad request", "invalid Content-Length") unless declared.strip.match?(/\A\d+\z/)
      return reply(res, 413, "body too large", "the body is over #{OssCallback::MAX_BODY} bytes") if declared.to_i > OssCallback::MAX_BODY

      body = +"".b # the raw bytes OSS signed: never re-serialise them
      begin
        req.body do |chunk|
          body << chunk
          raise BodyTooLarge if body.bytesize > OssCallback::MAX_BODY
        end
      rescue BodyTooLarge
        return reply(res, 413, "body too large", "the body is over #{OssCallback::MAX_BODY} bytes")
      end
      # The raw target from the request line: WEBrick folds a leading "//" in unparsed_uri.
      target = req.request_line[/\A\S+\s+(\S+)/, 1]
      target = target.sub(%r{\A[A-Za-z][A-Za-z0-9+.-]*://[^/?]*}, "") # absolute-form: keep the path
      path, sep, query = target.partition("?")
      reason = OssCallback.verify(req.request_method, path, sep.empty? ? nil : query, req, body)
      if reason
        warn "callback rejected: #{reason}"
        return reply(res, 400, "verify not ok", reason)
      end
      job = { path: path, query: query, headers: req.header.transform_values(&:first), body: body }
      answer = handle_callback(job)
      begin
        JOBS.push(job, true)
      rescue ThreadError
        warn "callback verified but the work queue is full (#{OssCallback::QUEUE_SIZE} jobs): answered 503"
        return reply(res, 503, "busy", "work queue full; callback verified but not accepted")
      end
      reply(res, 200, answer)
    end

    # reply(res, status, doc) sends doc; reply(res, status, "word", "reason") {"Status":..., "Reason":...}
    def reply(res, status, doc, reason = nil, headers = {})
      doc = { "Status" => doc, "Reason" => reason } if reason
      res.status = status
      res.content_type = "application/json" # WEBrick adds Content-Length for a String body
      headers.each { |k, v| res[k] = v }
      res.body = JSON.generate(doc) # no BOM
    end
  end

  host = ENV.fetch("OSS_CALLBACK_HOST", "127.0.0.1")
  port = ENV.fetch("OSS_CALLBACK_PORT", "8080")
  extra = []
  args = ARGV.dup
  until args.empty?
    flag, value = args.shift(2)
    unless value && %w[--host --port --trust-key-url].include?(flag)
      abort "usage: ruby oss_callback_receiver.rb [--host HOST] [--port PORT] [--trust-key-url PREFIX]..."
    end
    case flag
    when "--host" then host = value
    when "--port" then port = value
    else extra << value
    end
  end
  abort "OSS_CALLBACK_PORT: not a port: #{port.inspect}" unless port.match?(/\A\d{1,5}\z/) && port.to_i < 65_536
  begin
    OssCallback.trusted_prefixes = (OssCallback.trusted_prefixes + extra.map { |p| OssCallback.normalize_prefix(p) }).freeze
  rescue ArgumentError => e
    abort "--trust-key-url: #{e.message}"
  end

  server = WEBrick::HTTPServer.new(BindAddress: host, Port: port.to_i, Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN),
                                   AccessLog: [], DoNotReverseLookup: true)
  server.mount("/", CallbackServlet) # every path: OSS calls whatever callbackUrl the client chose
  Thread.new do
    loop do
      slow_work(JOBS.pop)
    rescue StandardError => e
      warn "slow work failed: #{e.full_message(highlight: false)}"
    end
  end
  %w[INT TERM].each { |sig| trap(sig) { server.shutdown } }
  shown = host.include?(":") ? "[#{host}]" : host
  puts "listening on http://#{shown}:#{server.config[:Port]}/"
  $stdout.flush
  server.start # WEBrick runs each connection in its own thread
end
