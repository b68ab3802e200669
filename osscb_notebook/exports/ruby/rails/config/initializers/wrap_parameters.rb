# frozen_string_literal: true

# As every new Rails app has it: JSON bodies are also wrapped into params[<controller name>].
ActiveSupport.on_load(:action_controller) do
  wrap_parameters format: [:json]
end
