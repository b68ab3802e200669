<?php

namespace App\Exceptions;

use Illuminate\Foundation\Exceptions\Handler as ExceptionHandler;

class Handler extends ExceptionHandler
{
    /** @var array<int, string> */
    protected $dontFlash = ['current_password', 'password', 'password_confirmation'];
}
